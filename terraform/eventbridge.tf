# EventBridge rules on the default bus that send the CloudTrail management events
# the rules read to the SQS buffer. The event names come from events.json (the rule
# catalogue, by eventSource); tests/check_module.py renders these patterns and
# checks that every event listed there is delivered.
#
# Rule state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS also delivers read-only
# calls (GetSecretValue, AssumeRole): used where the pattern names the calls, or
# the principal (root, break-glass), so the volume stays small. ENABLED (write
# calls only) is used for the broad classes (all IAM writes, people).
#
# One event may match several rules (a root CreateUser matches root and
# iam-writes): the function deduplicates on eventID. The own-rules rule is there
# in both event scopes: no rule of the module is watched only by itself.

locals {
  events                           = jsondecode(file("${path.module}/events.json"))
  api_call                         = local.events.detail_types.api_call
  sign_in                          = local.events.detail_types.sign_in
  all_cloudtrail_management_events = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"

  # (eventSource, eventName) of every rule and of the self-protection rule.
  named_pairs = flatten([
    for spec in concat(values(local.events.rules), [local.events.self_protection]) : [
      for source, names in try(spec.events, {}) : [for n in names : { source = source, name = n }]
    ]
  ])
  # Sources whose events come through a class rule below: every IAM write
  # (iam-writes) and every console sign-in (sign-in).
  class_sources = concat(["iam.amazonaws.com"], local.events.sign_in_sources)
  named = {
    for source in distinct([for p in local.named_pairs : p.source]) :
    source => sort(distinct([for p in local.named_pairs : p.name if p.source == source]))
    if !contains(local.class_sources, source)
  }
  # events.json read_filters: read calls of a source delivered only when a
  # further detail pattern matches (ssm: GetParameter* with withDecryption true,
  # not invokedBy a service), the source's other calls as named, in one rule
  # ($or of the two branches).
  read_filters = try(local.events.read_filters, {})
  filtered = {
    for source, names in local.named : source => {
      reads  = [for n in names : n if contains(try(local.read_filters[source].events, []), n)]
      others = [for n in names : n if !contains(try(local.read_filters[source].events, []), n)]
    }
  }
  named_rules = {
    for source, names in local.named : replace(source, ".amazonaws.com", "") => {
      description = "trailguard: ${source} calls the rules read"
      state       = local.all_cloudtrail_management_events
      pattern = (
        length(local.filtered[source].reads) == 0 ? jsonencode({
          detail-type = [local.api_call]
          detail      = { eventSource = [source], eventName = names }
        }) :
        length(local.filtered[source].others) == 0 ? jsonencode({
          detail-type = [local.api_call]
          detail = merge(
            { eventSource = [source], eventName = local.filtered[source].reads },
            local.read_filters[source].detail,
          )
        }) :
        jsonencode({
          detail-type = [local.api_call]
          detail = {
            eventSource = [source]
            "$or" = [
              { eventName = local.filtered[source].others },
              merge({ eventName = local.filtered[source].reads }, local.read_filters[source].detail),
            ]
          }
        })
      )
    }
  }

  # ARN patterns of break-glass identities (users, or roles as session issuers).
  break_glass_arns = [for a in var.break_glass : { wildcard = a }]

  class_rules = merge(
    {
      root = {
        description = "trailguard: every call of the root user (its sign-ins: sign-in)"
        state       = local.all_cloudtrail_management_events
        pattern = jsonencode({
          detail-type = [local.api_call]
          detail      = { userIdentity = { type = ["Root"] } }
        })
      }
      iam-writes = {
        description = "trailguard: every IAM write call"
        state       = "ENABLED"
        pattern = jsonencode({
          detail-type = [local.api_call]
          detail      = { eventSource = ["iam.amazonaws.com"] }
        })
      }
      sign-in = {
        description = "trailguard: every console sign-in"
        state       = local.all_cloudtrail_management_events
        pattern     = jsonencode({ detail-type = [local.sign_in] })
      }
      denied = {
        description = "trailguard: denied STS credential calls and Organizations writes"
        state       = local.all_cloudtrail_management_events
        pattern = jsonencode({
          detail-type = [local.api_call]
          detail = {
            errorCode = ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation"]
            "$or" = [
              { eventSource = ["organizations.amazonaws.com"], readOnly = [false] },
              {
                eventSource = ["sts.amazonaws.com"]
                eventName   = ["AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "AssumeRoot", "GetFederationToken", "GetSessionToken"]
              },
            ]
          }
        })
      }
    },
    { for k, v in {
      people = {
        description = "trailguard: write calls of IAM users and IAM Identity Center users (address history)"
        state       = "ENABLED"
        pattern = jsonencode({
          detail-type = [local.api_call]
          detail = {
            "$or" = [
              { userIdentity = { type = ["IAMUser", "IdentityCenterUser"] } },
              { userIdentity = { type = ["AssumedRole"], arn = [{ wildcard = "*:assumed-role/AWSReservedSSO_*" }] } },
            ]
          }
        })
      }
    } : k => v if var.address_history },
    { for k, v in {
      break-glass = {
        description = "trailguard: every call of the break-glass identities (their sign-ins: sign-in)"
        state       = local.all_cloudtrail_management_events
        pattern = jsonencode({
          detail-type = [local.api_call]
          detail = {
            "$or" = [
              { userIdentity = { arn = local.break_glass_arns } },
              { userIdentity = { sessionContext = { sessionIssuer = { arn = local.break_glass_arns } } } },
            ]
          }
        })
      }
    } : k => v if length(var.break_glass) > 0 },
  )

  all_rules = {
    all = {
      description = "trailguard: every CloudTrail management event"
      state       = local.all_cloudtrail_management_events
      pattern = jsonencode({
        detail-type = values(local.events.detail_types)
      })
    }
  }

  # A second watcher of the module's own rules. The events.amazonaws.com calls
  # of self-protection reach the function through one rule (`events`, or `all`):
  # disabling, deleting or retargeting THAT rule would leave no rule to deliver
  # the call. This small rule delivers the same calls, and only those naming a
  # rule of this module (DisableRule, DeleteRule, PutRule: requestParameters.name;
  # PutTargets, RemoveTargets: requestParameters.rule), so every rule, this one
  # included, is watched by a rule other than itself.
  own_rules_rule = {
    own-rules = {
      description = "trailguard: changes to this module's own EventBridge rules (${var.name}-*)"
      state       = "ENABLED"
      pattern = jsonencode({
        detail-type = [local.api_call]
        detail = {
          eventSource = ["events.amazonaws.com"]
          eventName   = local.events.self_protection.events["events.amazonaws.com"]
          "$or" = [
            { requestParameters = { name = [{ prefix = "${var.name}-" }] } },
            { requestParameters = { rule = [{ prefix = "${var.name}-" }] } },
          ]
        }
      })
    }
  }

  # name suffix => { description, state, pattern }
  event_rules = merge(
    { for k, v in local.all_rules : k => v if var.event_scope == "all" },
    { for k, v in merge(local.named_rules, local.class_rules) : k => v if var.event_scope == "rules" },
    local.own_rules_rule,
  )
}

resource "aws_cloudwatch_event_rule" "cloudtrail" {
  for_each = local.event_rules

  name          = "${var.name}-${each.key}"
  description   = each.value.description
  event_pattern = each.value.pattern
  state         = each.value.state
  tags          = local.tags
}

resource "aws_cloudwatch_event_target" "cloudtrail" {
  for_each = local.event_rules

  rule      = aws_cloudwatch_event_rule.cloudtrail[each.key].name
  target_id = "sqs"
  arn       = aws_sqs_queue.events.arn

  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
}

# Other regions' forwarding rules (modules/forwarding) put events on this bus.
resource "aws_cloudwatch_event_permission" "forwarding" {
  count = var.accept_forwarded_events ? 1 : 0

  principal    = local.account
  statement_id = "${var.name}-forwarding"
}

# ---------------------------------------------------------------- posture scan

resource "aws_cloudwatch_event_rule" "posture" {
  count = var.posture_schedule == "" ? 0 : 1

  name                = "${var.name}-posture-scan"
  description         = "trailguard: scheduled posture scan"
  schedule_expression = var.posture_schedule
  tags                = local.tags
}

# The function sees the plain "Scheduled Event" (source aws.events) and runs
# the posture scan.
resource "aws_cloudwatch_event_target" "posture" {
  count = var.posture_schedule == "" ? 0 : 1

  rule      = aws_cloudwatch_event_rule.posture[0].name
  target_id = "lambda"
  arn       = aws_lambda_function.this.arn

  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
}

resource "aws_lambda_permission" "posture" {
  count = var.posture_schedule == "" ? 0 : 1

  statement_id   = "posture-schedule"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.posture[0].arn
  source_account = local.account
}
