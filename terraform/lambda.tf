# The function: a lambda_runtime binary (`bootstrap`) on provided.al2023,
# handling SQS batches of EventBridge CloudTrail events (partial batch failures
# reported), S3 notifications of new CloudTrail log files, and the scheduled
# posture scan.

resource "aws_cloudwatch_log_group" "function" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:the function only calls AWS APIs (IAM, STS, EC2, SQS, SNS, DynamoDB, SSM, S3); a VPC would need a NAT gateway or eight interface endpoints and isolates nothing
  #checkov:skip=CKV_AWS_50:X-Ray adds nothing to one-event-at-a-time evaluation that the structured JSON logs do not show, and would add xray:* to the least-privilege role
  #checkov:skip=CKV_AWS_272:code signing is available (var.code_signing_config_arn) but the zip is built from source by the deployer (cargo lambda build), so it cannot be required by default
  function_name = local.function_name
  description   = "trailguard (${var.mode} mode): CloudTrail events -> rules -> SNS alerts${var.mode == "guard" ? " and quarantine" : ""}"
  role          = aws_iam_role.function.arn

  filename         = var.lambda_zip
  source_code_hash = filebase64sha256(var.lambda_zip)
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout

  reserved_concurrent_executions = var.reserved_concurrency
  code_signing_config_arn        = var.code_signing_config_arn
  kms_key_arn                    = local.kms_key_arn

  environment {
    variables = merge(
      {
        TRAILGUARD_MODE        = var.mode
        TRAILGUARD_TABLE       = aws_dynamodb_table.state.name
        TRAILGUARD_TOPIC_ARN   = aws_sns_topic.alerts.arn
        TRAILGUARD_DLQ_URL     = aws_sqs_queue.dead_letters.url
        TRAILGUARD_MAX_RECEIVE = tostring(var.max_receive_count)
        TRAILGUARD_SELF        = jsonencode(local.self_resources)
        RUST_LOG               = var.log_level
      },
      var.config_in_ssm ? { TRAILGUARD_CONFIG_SSM = aws_ssm_parameter.config[0].name } : { TRAILGUARD_CONFIG = local.config_toml },
    )
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = var.config_in_ssm || length(local.config_toml) < 3000
      error_message = "The configuration is too long for the function's environment (4 KB in all): set config_in_ssm = true."
    }
  }

  depends_on = [aws_iam_role_policy.function, aws_cloudwatch_log_group.function]
}

# Asynchronous invocations (S3 notifications, the posture schedule): two
# retries, then the dead-letter queue (dead_letter_config above).
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
}

resource "aws_lambda_event_source_mapping" "events" {
  event_source_arn = aws_sqs_queue.events.arn
  function_name    = aws_lambda_function.this.arn
  batch_size       = var.batch_size
  # No batching window: an event is evaluated within seconds of its call.
  maximum_batching_window_in_seconds = 0
  function_response_types            = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = local.sqs_max_concurrency == null ? [] : [local.sqs_max_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }
}

locals {
  # The SQS pollers may use all reserved executions but one, which stays free for
  # the scheduled posture scan and S3 notifications. SQS needs 2 to 1000, hence
  # reserved_concurrency >= 3 (variables.tf); -1 (no reservation): no limit.
  sqs_max_concurrency = var.reserved_concurrency == -1 ? null : min(1000, var.reserved_concurrency - 1)
}
