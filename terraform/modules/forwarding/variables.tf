variable "name" {
  description = "The main module's name prefix (its self-protection rule watches rules named <name>-*)."
  type        = string
  default     = "trailguard"
}

variable "target_event_bus_arn" {
  description = "The main module's event_bus_arn output: the default bus of the region trailguard runs in (us-east-1)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/", var.target_event_bus_arn))
    error_message = "target_event_bus_arn must be an EventBridge event bus ARN."
  }
}

variable "event_rules" {
  description = "The main module's event_rules output: the same patterns, forwarded from this region."
  type = map(object({
    description = string
    state       = string
    pattern     = string
  }))
}

variable "alarm_topic_arn" {
  description = "SNS topic, in this forwarding region (CloudWatch alarms only notify topics of their own region), that the alarm on the forwarding dead-letter queue notifies (depth > 0: events of this region did not reach the main region's bus). null: the alarm is created without notification (visible in the CloudWatch console and describe-alarms only)."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_.-]+$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be null or an SNS topic ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}
