# trailguard in detect mode: findings are e-mailed, nothing is changed.
#
#   cargo lambda build --release --arm64 --output-format zip -p trailguard-lambda   # from the repository root
#   cd terraform/examples/basic
#   terraform init && terraform apply -var alert_email=secops@example.com

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 7.0"
    }
  }
}

# IAM, root and console sign-in events reach EventBridge in us-east-1 only.
provider "aws" {
  region = "us-east-1"
}

variable "alert_email" {
  description = "Where findings are e-mailed (confirm the subscription e-mail SNS sends)."
  type        = string
}

module "trailguard" {
  source = "../.."

  lambda_zip   = "${path.root}/../../../target/lambda/trailguard-lambda/bootstrap.zip"
  mode         = "detect"
  alert_emails = [var.alert_email]
}

output "topic_arn" {
  description = "SNS topic of the findings."
  value       = module.trailguard.topic_arn
}

output "self_resources" {
  description = "Resources the SCP in ../../README.md should protect."
  value       = module.trailguard.self_resources
}
