# The function's configuration: the contract's TOML. var.config_toml when given,
# else rendered from change_windows and the principal lists. It lives in an SSM
# SecureString parameter (TRAILGUARD_CONFIG_SSM) or, with config_in_ssm = false,
# inline in the environment (TRAILGUARD_CONFIG).

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
