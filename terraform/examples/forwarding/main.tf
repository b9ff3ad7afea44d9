# trailguard in us-east-1 with events from two more regions forwarded to it.
# Regional services (EC2, S3, Lambda, RDS, GuardDuty, ...) and regional STS and
# sign-in endpoints log in their own region; without forwarding, their events
# only reach trailguard through the trail's S3 log files (cloudtrail_bucket), minutes later.
#
# Add one provider and one module "forward_*" block per region you use. An SCP
# that denies unused regions (aws:RequestedRegion) is the cheaper way to cover the rest.

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

provider "aws" {
  alias  = "eu_west_1"
  region = "eu-west-1"
}

provider "aws" {
  alias  = "us_west_2"
  region = "us-west-2"
}

variable "alert_email" {
  description = "Where findings are e-mailed."
  type        = string
}

module "trailguard" {
  source = "../.."

  lambda_zip              = "${path.root}/../../../target/lambda/trailguard-lambda/bootstrap.zip"
  alert_emails            = [var.alert_email]
  accept_forwarded_events = true
}

module "forward_eu_west_1" {
  source    = "../../modules/forwarding"
  providers = { aws = aws.eu_west_1 }

  target_event_bus_arn = module.trailguard.event_bus_arn
  event_rules          = module.trailguard.event_rules
  # An SNS topic in eu-west-1 for the alarm on events that could not be
  # forwarded (CloudWatch alarms notify topics of their own region only);
  # without it the alarm only shows in the console.
  # alarm_topic_arn = "arn:aws:sns:eu-west-1:111122223333:ops-alarms"
}

module "forward_us_west_2" {
  source    = "../../modules/forwarding"
  providers = { aws = aws.us_west_2 }

  target_event_bus_arn = module.trailguard.event_bus_arn
  event_rules          = module.trailguard.event_rules
}
