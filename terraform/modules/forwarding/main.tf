# Forwards this region's CloudTrail events that trailguard's rules read to the
# main region's default bus, where the main module's rules send them to the
# function. Apply once per region, with a provider for that region (see
# examples/forwarding). The main module needs accept_forwarded_events = true.
# Events the main bus refuses land in a dead-letter queue with an alarm on its
# depth (var.alarm_topic_arn, a topic in this region).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name
  tags   = merge({ "trailguard:component" = "forwarding" }, var.tags)
}

resource "aws_cloudwatch_event_rule" "forward" {
  for_each = var.event_rules

  name          = "${var.name}-${each.key}"
  description   = "${each.value.description} (forwarded)"
  event_pattern = each.value.pattern
  state         = each.value.state
  tags          = local.tags
}

resource "aws_cloudwatch_event_target" "forward" {
  for_each = var.event_rules

  rule      = aws_cloudwatch_event_rule.forward[each.key].name
  target_id = "main-region-bus"
  arn       = var.target_event_bus_arn
  role_arn  = aws_iam_role.forward.arn

  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
}

# Events the main region's bus refused (or could not be reached for).
resource "aws_sqs_queue" "dead_letters" {
  name                      = "${var.name}-forward-dead-letters"
  message_retention_seconds = 14 * 86400
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}

# Forwarding that fails is a region the guard no longer sees: alarm on the
# first dead letter, like the main module's dead-letter alarm.
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name}-forward-dead-letters"
  alarm_description   = "trailguard: ${local.region} events could not be forwarded to the main region's bus and wait in ${aws_sqs_queue.dead_letters.name}; the guard does not see them. Fix the cause (target bus permission, role), then replay them with PutEvents."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letters.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  ok_actions          = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  tags                = local.tags

  lifecycle {
    precondition {
      condition     = var.alarm_topic_arn == null || try(split(":", var.alarm_topic_arn)[3], "") == local.region
      error_message = "alarm_topic_arn must be an SNS topic in ${local.region}: CloudWatch alarms only notify topics of their own region."
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  policy    = data.aws_iam_policy_document.dead_letters.json
}

data "aws_iam_policy_document" "dead_letters" {
  statement {
    sid       = "ForwardingRulesDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for r in aws_cloudwatch_event_rule.forward : r.arn]
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

# IAM is global: one role per forwarding region.
resource "aws_iam_role" "forward" {
  name               = "${var.name}-forward-${local.region}"
  description        = "trailguard: EventBridge forwards ${local.region} events to the main region's bus"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role_policy" "forward" {
  name   = "put-events"
  role   = aws_iam_role.forward.id
  policy = data.aws_iam_policy_document.forward.json
}

data "aws_iam_policy_document" "forward" {
  statement {
    actions   = ["events:PutEvents"]
    resources = [var.target_event_bus_arn]
  }
}
