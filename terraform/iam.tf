# The function's role, least privilege. Every action it allows is named exactly
# (no wildcards) in one of the two groups below, and every Allow statement's
# actions are one of these lists:
#
# - local.lambda_actions: the AWS API calls the function's code makes. The same
#   set, one `service:Action` per line, is lambda/aws-actions.txt, which the
#   Lambda's tests check every recorded call against;
#   terraform/tests/check_module.py checks that the two sets are equal.
# - local.platform_actions: calls AWS services make with the role on the
#   function's behalf (the SQS event source mapping, the Lambda runtime's
#   logging, KMS use by SQS, SNS, SSM and DynamoDB).
#
# Resources are scoped wherever the action has a resource type; the groups that
# must use "*" (calls with no resource type) are listed in tests/check_module.py
# (STAR_GROUPS) and commented at their statement. Detect mode leaves out the
# guard_* statements: the role can then change nothing in the account. Guard
# mode adds writes on IAM users and roles only: the function quarantines
# principals and access keys, never EC2 instances (tests/check_module.py,
# NOT_FOR_THE_FUNCTION, keeps instance isolation and LookupEvents out).

locals {
  lambda_actions = {
    # Who am I (account id for ARNs). Needs no permission; listed to be exact.
    whoami = ["sts:GetCallerIdentity"]
    # Posture scan: account-level IAM reads (no resource type).
    scan_account = [
      "iam:GenerateCredentialReport",
      "iam:GetAccountAuthorizationDetails",
      "iam:GetAccountPasswordPolicy",
      "iam:GetAccountSummary",
      "iam:GetCredentialReport",
      "iam:ListOpenIDConnectProviders",
      "iam:ListSAMLProviders",
      "iam:ListVirtualMFADevices",
    ]
    scan_providers = ["iam:GetOpenIDConnectProvider"]
    # Posture scan (credentials per user) and the guard's view of a target.
    read_principals = [
      "iam:GetAccessKeyLastUsed",
      "iam:GetLoginProfile",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:GetSSHPublicKey",
      "iam:GetUser",
      "iam:GetUserPolicy",
      "iam:ListAccessKeys",
      "iam:ListMFADevices",
      "iam:ListRoleTags",
      "iam:ListSSHPublicKeys",
      "iam:ListServiceSpecificCredentials",
      "iam:ListSigningCertificates",
      "iam:ListUserTags",
    ]
    # Posture scan: EC2 inventory (Describe* have no resource type). The
    # function never quarantines an instance (an instance-role session is
    # quarantined as its role) and never looks CloudTrail back: instance
    # isolation and LookupEvents are the CLI's, run with the operator's rights.
    read_ec2 = [
      "ec2:DescribeInstances",
      "ec2:DescribeKeyPairs",
      "ec2:DescribeRegions",
    ]
    # Guard mode: quarantine of users, keys and roles (deny-all inline policy,
    # key deactivation, console password removal).
    guard_iam = [
      "iam:DeleteLoginProfile",
      "iam:PutRolePolicy",
      "iam:PutUserPolicy",
      "iam:UpdateAccessKey",
    ]
    # Guard mode: quarantine tags on users and roles (trailguard:* keys only).
    guard_tags = ["iam:TagRole", "iam:TagUser"]
    # Correlation state, event deduplication, quarantine journal.
    store = [
      "dynamodb:DeleteItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
    ]
    alert       = ["sns:Publish"]
    config      = ["ssm:GetParameter"]
    trail_logs  = ["s3:GetObject"]
    dead_letter = ["sqs:SendMessage"]
  }

  platform_actions = {
    # The SQS event source mapping polls with the function's role.
    queue = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
    # The Lambda runtime writes the function's logs.
    logs = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # SQS, SNS, SSM and DynamoDB use the module's key for the role.
    encryption = ["kms:Decrypt", "kms:GenerateDataKey"]
    # S3 decrypts SSE-KMS trail log files for the role.
    trail_key = ["kms:Decrypt"]
  }

  guard = var.mode == "guard"
  arn   = "arn:${local.partition}"

  iam_principals = ["${local.arn}:iam::${local.account}:user/*", "${local.arn}:iam::${local.account}:role/*"]
  # What the guard must never touch: break-glass and protected identities, and itself.
  untouchable = concat(var.break_glass, var.protected, [
    "${local.arn}:iam::${local.account}:role/${var.name}-function",
  ])
}

resource "aws_iam_role" "function" {
  name               = "${var.name}-function"
  description        = "trailguard function (${var.mode} mode)"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "trailguard"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.function.json
}

data "aws_iam_policy_document" "function" {
  # "*": sts:GetCallerIdentity has no resource type (and cannot be denied).
  statement {
    sid       = "WhoAmI"
    actions   = local.lambda_actions.whoami
    resources = ["*"]
  }

  # "*": account-level IAM reads have no resource type.
  statement {
    sid       = "ScanAccount"
    actions   = local.lambda_actions.scan_account
    resources = ["*"]
  }

  statement {
    sid       = "ScanIdentityProviders"
    actions   = local.lambda_actions.scan_providers
    resources = ["${local.arn}:iam::${local.account}:oidc-provider/*"]
  }

  statement {
    sid       = "ReadPrincipals"
    actions   = local.lambda_actions.read_principals
    resources = local.iam_principals
  }

  # "*": EC2 Describe* calls have no resource type.
  statement {
    sid       = "ReadEc2"
    actions   = local.lambda_actions.read_ec2
    resources = ["*"]
  }

  statement {
    sid       = "StateTable"
    actions   = local.lambda_actions.store
    resources = [aws_dynamodb_table.state.arn]
  }

  statement {
    sid       = "Alerts"
    actions   = local.lambda_actions.alert
    resources = [aws_sns_topic.alerts.arn]
  }

  statement {
    sid       = "DeadLetters"
    actions   = local.lambda_actions.dead_letter
    resources = [aws_sqs_queue.dead_letters.arn]
  }

  statement {
    sid       = "EventQueue"
    actions   = local.platform_actions.queue
    resources = [aws_sqs_queue.events.arn]
  }

  statement {
    sid       = "Logs"
    actions   = local.platform_actions.logs
    resources = ["${aws_cloudwatch_log_group.function.arn}:*"]
  }

  statement {
    sid       = "Encryption"
    actions   = local.platform_actions.encryption
    resources = [local.kms_key_arn]
  }

  dynamic "statement" {
    for_each = var.config_in_ssm ? [local.config_parameter_arn] : []
    content {
      sid       = "Configuration"
      actions   = local.lambda_actions.config
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.trail_bucket ? [var.cloudtrail_bucket] : []
    content {
      sid       = "TrailLogFiles"
      actions   = local.lambda_actions.trail_logs
      resources = ["${local.arn}:s3:::${statement.value}/${var.cloudtrail_prefix}*"]
    }
  }

  dynamic "statement" {
    for_each = var.cloudtrail_kms_key_arn != "" ? [var.cloudtrail_kms_key_arn] : []
    content {
      sid       = "TrailLogKey"
      actions   = local.platform_actions.trail_key
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }

  # ---- guard mode only

  dynamic "statement" {
    for_each = local.guard ? [1] : []
    content {
      sid       = "GuardQuarantinePrincipals"
      actions   = local.lambda_actions.guard_iam
      resources = local.iam_principals
    }
  }

  dynamic "statement" {
    for_each = local.guard ? [1] : []
    content {
      sid       = "GuardQuarantineTags"
      actions   = local.lambda_actions.guard_tags
      resources = local.iam_principals
      condition {
        test     = "ForAllValues:StringLike"
        variable = "aws:TagKeys"
        values   = ["trailguard:*"]
      }
    }
  }

  # Defence in depth: the guard never changes break-glass or protected
  # identities (the code refuses too), nor its own role.
  dynamic "statement" {
    for_each = local.guard ? [1] : []
    content {
      sid       = "NeverTouchBreakGlassProtectedOrSelf"
      effect    = "Deny"
      actions   = concat(local.lambda_actions.guard_iam, local.lambda_actions.guard_tags)
      resources = local.untouchable
    }
  }
}
