# The function's configuration: the contract's TOML. var.config_toml when given,
# else rendered from change_windows and the principal lists. It lives in an SSM
# SecureString parameter (TRAILGUARD_CONFIG_SSM) or, with config_in_ssm = false,
# inline in the environment (TRAILGUARD_CONFIG).
#
# With config_toml given, the function reads break-glass and protected
# identities from that TOML only, while the break-glass EventBridge rule
# (eventbridge.tf) and the role's Deny (iam.tf) are still built from
# var.break_glass and var.protected: keep the two in step.

locals {
  # JSON strings and string arrays are valid TOML basic strings and arrays.
  rendered_windows = [
    for w in var.change_windows : join("\n", [
      "[[change_window]]",
      "days = ${jsonencode(w.days)}",
      "start = ${jsonencode(w.start)}",
      "end = ${jsonencode(w.end)}",
      "timezone = ${jsonencode(w.timezone)}",
      "",
    ])
  ]

  rendered_config = join("\n", concat(
    ["# trailguard configuration rendered by the Terraform module \"${var.name}\".", ""],
    local.rendered_windows,
    [
      "[principals]",
      "break_glass = ${jsonencode(var.break_glass)}",
      "trusted_automation = ${jsonencode(var.trusted_automation)}",
      "trusted_accounts = ${jsonencode(var.trusted_accounts)}",
      "protected = ${jsonencode(var.protected)}",
    ],
    # Newer than the contract's first [principals] keys: only when set.
    [for l in ["identity_providers = ${jsonencode(var.identity_providers)}"] : l if length(var.identity_providers) > 0],
    [""],
  ))

  config_toml          = var.config_toml != null ? var.config_toml : local.rendered_config
  config_parameter     = "/${var.name}/config"
  config_parameter_arn = var.config_in_ssm ? "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter${local.config_parameter}" : ""
}

resource "aws_ssm_parameter" "config" {
  count = var.config_in_ssm ? 1 : 0

  name        = local.config_parameter
  description = "trailguard configuration (TOML) of the ${var.name} function"
  type        = "SecureString"
  key_id      = local.kms_key_arn
  tier        = length(local.config_toml) > 4000 ? "Advanced" : "Standard"
  value       = local.config_toml
  tags        = local.tags
}

# A warning, not an error: config_toml with [principals] break_glass but
# var.break_glass empty leaves the break-glass EventBridge rule out and the
# role free to quarantine those identities (the code still refuses to).
check "break_glass_with_config_toml" {
  assert {
    condition     = var.config_toml == null || length(var.break_glass) > 0
    error_message = "config_toml is set but break_glass is empty: the function reads its break-glass identities from config_toml, but the break-glass EventBridge rule (every call of those identities) and the role's Deny on them are built from var.break_glass and var.protected only. Repeat [principals] break_glass and protected of the TOML in those variables (ignore this if the TOML has no break-glass identities either)."
  }
}
