# trailguard, the deployed half: CloudTrail management events -> EventBridge rules
# (eventbridge.tf) -> SQS buffer with a dead-letter queue (queue.tf) -> the
# function (lambda.tf), which evaluates the same rules as the CLI with its
# correlation state and quarantine journal in DynamoDB (table.tf), publishes
# findings to SNS (alerts.tf) and, in guard mode, quarantines the actor of a
# finding whose response is `quarantine`. Optional: CloudTrail log files from S3
# (s3.tf), a scheduled posture scan, forwarding from other regions
# (modules/forwarding). Least-privilege role: iam.tf. Encryption: kms.tf.
# Configuration (the contract's TOML): config.tf.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  function_name  = var.name
  log_group_name = "/aws/lambda/${var.name}"
  kms_key_arn    = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.this[0].arn
  alarm_topic    = var.alarm_topic_arn != null ? var.alarm_topic_arn : aws_sns_topic.alerts.arn

  tags = merge({ "trailguard:component" = "guard" }, var.tags)

  # The guard's own resources, for the self-protection rule (TRAILGUARD_SELF):
  # ARNs, `*` globs allowed (its EventBridge rules in every region).
  self_resources = compact([
    "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.function_name}",
    "arn:${local.partition}:iam::${local.account}:role/${var.name}-function",
    "arn:${local.partition}:iam::${local.account}:role/${var.name}-forward-*",
    "arn:${local.partition}:events:*:${local.account}:rule/${var.name}-*",
    "arn:${local.partition}:sqs:*:${local.account}:${var.name}-*",
    "arn:${local.partition}:dynamodb:${local.region}:${local.account}:table/${var.name}",
    "arn:${local.partition}:sns:${local.region}:${local.account}:${var.name}-alerts",
    "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.log_group_name}",
    local.config_parameter_arn,
    local.kms_key_arn,
  ])
}

# IAM, STS sign-in and root events are only delivered to EventBridge in us-east-1.
check "main_region" {
  assert {
    condition     = data.aws_region.current.name == "us-east-1"
    error_message = "trailguard is deployed in ${data.aws_region.current.name}: IAM, root and most console sign-in events only reach EventBridge in us-east-1. Deploy it there, and forward the other regions' events to it (modules/forwarding)."
  }
}
