# Optional catch-up path: the trail's new log files in S3 are evaluated too
# (events EventBridge missed, and other regions' events without forwarding).
# The function deduplicates on eventID, so events seen both ways count once.

locals {
  trail_bucket = var.cloudtrail_bucket != ""
}

resource "aws_lambda_permission" "trail_bucket" {
  count = local.trail_bucket ? 1 : 0

  statement_id   = "cloudtrail-bucket"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = "arn:${local.partition}:s3:::${var.cloudtrail_bucket}"
  source_account = local.account
}

# Replaces the bucket's whole notification configuration: see
# var.cloudtrail_bucket_notification.
resource "aws_s3_bucket_notification" "trail_bucket" {
  count = local.trail_bucket && var.cloudtrail_bucket_notification ? 1 : 0

  bucket = var.cloudtrail_bucket

  lambda_function {
    lambda_function_arn = aws_lambda_function.this.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = var.cloudtrail_prefix
    filter_suffix       = ".json.gz"
  }

  depends_on = [aws_lambda_permission.trail_bucket]
}
