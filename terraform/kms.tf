# One customer managed key encrypts the table, both queues, the topic, the log
# group, the configuration parameter and the function's environment. Pass
# var.kms_key_arn to use your own; it needs the service statements below.

resource "aws_kms_key" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  description             = "trailguard (${var.name}): table, queues, topic, logs, configuration"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = local.tags
}

resource "aws_kms_alias" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
}

# A key policy's "Resource": "*" means this key. IAM policies of the account
# decide who else may use it (the function's role: iam.tf).
data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:key policy: Resource "*" is the key itself; the account root statement is what lets IAM policies (the function's role) use the key
  #checkov:skip=CKV_AWS_111:key policy: Resource "*" is the key itself; write access is delegated to the account's IAM policies, as AWS's default key policy does
  #checkov:skip=CKV_AWS_356:key policy: Resource "*" is the only resource a key policy can name
  statement {
    sid       = "AccountAdministersKeyThroughIAM"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }

  # EventBridge writes to the encrypted queues (targets and their dead letters).
  statement {
    sid       = "EventBridgeToEncryptedQueues"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }

  # CloudWatch alarms publish to the encrypted topic.
  statement {
    sid       = "AlarmsToEncryptedTopic"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }

  # CloudWatch Logs encrypts the function's log group.
  statement {
    sid       = "LogsEncryptFunctionLogGroup"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.log_group_name}"]
    }
  }
}
