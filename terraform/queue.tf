# The buffer between EventBridge and the function, and the dead-letter queue
# where an event that keeps failing ends: after var.max_receive_count deliveries
# (redrive), or from the function itself with the reason as message attributes
# (TRAILGUARD_DLQ_URL), or from Lambda for a failed asynchronous invocation
# (S3 notification, posture schedule: dead_letter_config, with ErrorCode and
# ErrorMessage attributes), or from EventBridge when the queue refuses a target
# delivery.

resource "aws_sqs_queue" "dead_letters" {
  name                              = "${var.name}-dead-letters"
  message_retention_seconds         = var.dlq_retention_days * 86400
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = local.tags
}

resource "aws_sqs_queue" "events" {
  name = "${var.name}-events"
  # Lambda's advice for SQS event sources: six times the function timeout.
  visibility_timeout_seconds        = var.timeout * 6
  message_retention_seconds         = 4 * 86400
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = var.max_receive_count
  })
  tags = local.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.events.arn]
  })
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.events.id
  policy    = data.aws_iam_policy_document.events_queue.json
}

resource "aws_sqs_queue_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  policy    = data.aws_iam_policy_document.dead_letter_queue.json
}

data "aws_iam_policy_document" "events_queue" {
  statement {
    sid       = "EventBridgeRulesDeliver"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for r in aws_cloudwatch_event_rule.cloudtrail : r.arn]
    }
  }

  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.events.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "dead_letter_queue" {
  statement {
    sid       = "EventBridgeTargetDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values = concat(
        [for r in aws_cloudwatch_event_rule.cloudtrail : r.arn],
        [for r in aws_cloudwatch_event_rule.posture : r.arn],
      )
    }
  }

  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dead_letters.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
