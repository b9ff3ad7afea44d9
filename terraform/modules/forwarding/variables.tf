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

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}
