# Forwards this region's CloudTrail events that trailguard's rules read to the
# main region's default bus, where the main module's rules send them to the
# function. Apply once per region, with a provider for that region (see
# examples/forwarding). The main module needs accept_forwarded_events = true.

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
