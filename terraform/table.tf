# One table for the function's state: correlation facts and claims, seen event
# ids (deduplication), and the quarantine journal. Keys: pk (S), sk (S). Every
# item carries `expires_at` (epoch seconds), the TTL attribute.

resource "aws_dynamodb_table" "state" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = local.tags
}
