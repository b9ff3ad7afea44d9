# trailguard in guard mode: the actor of a critical finding (response
# `quarantine`) is quarantined within seconds. Break-glass and protected
# identities are never touched; the deploy pipeline is trusted inside its
# change window; a daily posture scan; the trail's S3 log files as a catch-up path.
#
# Roll out in detect mode first (see ../../README.md, "Rolling out"), then switch
# mode to "guard".

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 7.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "alert_email" {
  description = "Where findings are e-mailed."
  type        = string
}

variable "cloudtrail_bucket" {
  description = "The trail's bucket in us-east-1 (empty: no S3 catch-up)."
  type        = string
  default     = ""
}

data "aws_caller_identity" "current" {}

locals {
  account = data.aws_caller_identity.current.account_id
}

module "trailguard" {
  source = "../.."

  lambda_zip   = "${path.root}/../../../target/lambda/trailguard-lambda/bootstrap.zip"
  mode         = "guard"
  alert_emails = [var.alert_email]

  break_glass = [
    "arn:aws:iam::${local.account}:user/breakglass",
    "arn:aws:iam::${local.account}:role/BreakGlass*",
  ]
  protected          = ["arn:aws:iam::${local.account}:role/OrganizationAccountAccessRole"]
  trusted_automation = ["arn:aws:iam::${local.account}:role/terraform-deploy"]
  change_windows = [{
    days  = ["Tue", "Thu"]
    start = "22:00"
    end   = "02:00"
  }]

  posture_schedule  = "rate(1 day)"
  cloudtrail_bucket = var.cloudtrail_bucket
}

output "function_name" {
  description = "The guard's function."
  value       = module.trailguard.function_name
}

output "config_toml" {
  description = "The configuration rendered from the lists above."
  value       = module.trailguard.config_toml
}
