terraform {
  # `check` blocks and optional object attributes with defaults.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # `state = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"` on event rules and
      # `logging_config` on functions; tested with 5.100.
      version = ">= 5.60, < 7.0"
    }
  }
}
