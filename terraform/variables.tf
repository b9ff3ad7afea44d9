# Inputs of the trailguard module. Every variable has a description; the ones a
# typo could turn into a silent gap (mode, ARNs, schedules) are validated.

# ---------------------------------------------------------------- general

variable "name" {
  description = "Name prefix of every resource the module creates (function, role, rules, queues, table, topic, key alias, parameter). The self-protection rule watches resources under this prefix."
  type        = string
  default     = "trailguard"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,29}$", var.name))
    error_message = "name: 1 to 30 letters, digits or dashes, starting with a letter (it prefixes names limited to 64 characters)."
  }
}

variable "mode" {
  description = "detect: findings are published to SNS only. guard: the actor of a finding whose response is `quarantine` is quarantined too (the role then gets the guard's IAM write permissions on users and roles; the function never isolates EC2 instances)."
  type        = string
  default     = "detect"

  validation {
    condition     = contains(["detect", "guard"], var.mode)
    error_message = "mode must be \"detect\" or \"guard\"."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------- function

variable "lambda_zip" {
  description = "Path of the function's zip, as built by `cargo lambda build --release --arm64 --output-format zip -p trailguard-lambda` (relative paths are relative to the directory terraform runs in)."
  type        = string
  default     = "target/lambda/trailguard-lambda/bootstrap.zip"

  validation {
    condition     = fileexists(var.lambda_zip)
    error_message = "lambda_zip: no such file; build it first: cargo lambda build --release --arm64 --output-format zip -p trailguard-lambda (it writes target/lambda/trailguard-lambda/bootstrap.zip)."
  }
}

variable "architecture" {
  description = "Instruction set the zip was built for: arm64 (cargo lambda build --arm64, the default) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "memory_size" {
  description = "Function memory in MB (CPU scales with it). Events alone fit in 128 (peak RSS about 21 MB, bench/lambda.sh); the default leaves CPU for the posture scan and large CloudTrail log files."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Function timeout in seconds. It bounds one SQS batch and one posture scan; the queue's visibility timeout is six times this."
  type        = number
  default     = 120

  validation {
    condition     = var.timeout >= 10 && var.timeout <= 900
    error_message = "timeout must be between 10 and 900 seconds."
  }
}

variable "reserved_concurrency" {
  description = "Concurrent executions reserved for the function, so that other functions cannot starve the guard: -1 (none; needed on accounts whose concurrency limit is still 10) or at least 3. The SQS pollers get all but one (at least the 2 SQS requires), which stays free for the posture scan and S3 notifications."
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrency == -1 || (var.reserved_concurrency >= 3 && floor(var.reserved_concurrency) == var.reserved_concurrency)
    error_message = "reserved_concurrency must be -1 (none) or a whole number of at least 3: the SQS event source mapping needs at least 2 executions, and one stays free for the posture scan and S3 notifications."
  }
}

variable "log_level" {
  description = "RUST_LOG of the function (error, warn, info, debug, trace, or a full RUST_LOG filter)."
  type        = string
  default     = "info"
}

variable "log_retention_days" {
  description = "Retention of the function's CloudWatch log group, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "code_signing_config_arn" {
  description = "Optional Lambda code signing configuration ARN (null: unsigned code is accepted)."
  type        = string
  default     = null
}

# ---------------------------------------------------------------- events

variable "event_scope" {
  description = "rules: EventBridge delivers the CloudTrail events the rules read (events.json). all: every management event, read-only ones included (much higher volume and cost)."
  type        = string
  default     = "rules"

  validation {
    condition     = contains(["rules", "all"], var.event_scope)
    error_message = "event_scope must be \"rules\" or \"all\"."
  }
}

variable "address_history" {
  description = "Deliver every write call of IAM users and IAM Identity Center users, so corr-login-then-takeover knows which addresses each person uses. Off: that rule only sees logins without MFA."
  type        = bool
  default     = true
}

variable "accept_forwarded_events" {
  description = "Let EventBridge rules of this account in other regions put events on this region's default bus (see modules/forwarding and examples/forwarding)."
  type        = bool
  default     = false
}

variable "max_receive_count" {
  description = "Deliveries of one message before it moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "batch_size" {
  description = "Largest SQS batch handed to one invocation."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10
    error_message = "batch_size must be between 1 and 10 (no batching window is used, for latency)."
  }
}

variable "dlq_retention_days" {
  description = "How long failed messages stay in the dead-letter queue, in days."
  type        = number
  default     = 14

  validation {
    condition     = var.dlq_retention_days >= 1 && var.dlq_retention_days <= 14
    error_message = "dlq_retention_days must be between 1 and 14 (the SQS maximum)."
  }
}

variable "posture_schedule" {
  description = "EventBridge schedule expression of the posture scan, e.g. \"rate(1 day)\" or \"cron(0 6 * * ? *)\"; empty: no scheduled scan."
  type        = string
  default     = ""

  validation {
    condition     = var.posture_schedule == "" || can(regex("^(rate|cron)\\(.+\\)$", var.posture_schedule))
    error_message = "posture_schedule must be empty or a rate(...) or cron(...) expression."
  }
}

variable "cloudtrail_bucket" {
  description = "Name of the bucket the account's CloudTrail trail writes to, in this region; its new log files are then evaluated too (catch-up path). Empty: off."
  type        = string
  default     = ""
}

variable "cloudtrail_prefix" {
  description = "Key prefix of the trail's log files in cloudtrail_bucket."
  type        = string
  default     = "AWSLogs/"
}

variable "cloudtrail_bucket_notification" {
  description = "Create the bucket's S3 event notification. A bucket has ONE notification configuration: set false when the bucket already has one, and add a lambda_function notification for the function_arn output there."
  type        = bool
  default     = true
}

variable "cloudtrail_kms_key_arn" {
  description = "KMS key the trail encrypts its log files with (SSE-KMS); empty when the files are not KMS-encrypted."
  type        = string
  default     = ""

  validation {
    condition     = var.cloudtrail_kms_key_arn == "" || can(regex("^arn:aws[a-z-]*:kms:", var.cloudtrail_kms_key_arn))
    error_message = "cloudtrail_kms_key_arn must be empty or a KMS key ARN."
  }
}

# ---------------------------------------------------------------- storage, alerts

variable "kms_key_arn" {
  description = "Customer managed KMS key for the table, queues, topic, logs, parameter and environment. null: the module creates one (with rotation). A key you pass must let EventBridge, CloudWatch alarms and CloudWatch Logs use it (see README)."
  type        = string
  default     = null
}

variable "table_deletion_protection" {
  description = "Deletion protection of the DynamoDB table (correlation state and quarantine journal)."
  type        = bool
  default     = true
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alert topic (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+$", e))])
    error_message = "alert_emails must be e-mail addresses."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic the operational alarms (function errors, dead letters, queue age) notify; null: the alert topic."
  type        = string
  default     = null
}

# ---------------------------------------------------------------- configuration

variable "config_toml" {
  description = "The full trailguard configuration (TOML, the contract format). null: the module renders it from change_windows and the principal lists below. When set, the function reads its principals from this TOML only, but the break-glass EventBridge rule and the role's Deny are still built from break_glass and protected: repeat [principals] break_glass and protected there (a check warns when break_glass is empty)."
  type        = string
  default     = null
}

variable "config_in_ssm" {
  description = "Keep the configuration in an SSM SecureString parameter the function reads at start (TRAILGUARD_CONFIG_SSM). false: inline in the environment (TRAILGUARD_CONFIG, 4 KB limit)."
  type        = bool
  default     = true
}

variable "change_windows" {
  description = "Change windows ([[change_window]] of the configuration) when config_toml is null."
  type = list(object({
    days     = list(string)
    start    = string
    end      = string
    timezone = optional(string, "UTC")
  }))
  default = []

  validation {
    condition = alltrue([for w in var.change_windows : alltrue([
      for d in w.days : contains(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], d)
    ]) && can(regex("^\\d{2}:\\d{2}$", w.start)) && can(regex("^\\d{2}:\\d{2}$", w.end))])
    error_message = "change_windows: days are Mon..Sun, start and end are HH:MM."
  }
}

variable "break_glass" {
  description = "IAM principal ARNs (users or roles, * globs allowed) that are never quarantined; any of their calls is reported (signin-break-glass-used). The role also may not touch them. Always builds the break-glass EventBridge rule and the role's Deny; with config_toml set it must repeat the TOML's [principals] break_glass (the function reads that one)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.break_glass : can(regex("^arn:aws[a-z-]*:iam::", a))])
    error_message = "break_glass entries must be IAM ARNs (arn:aws:iam::ACCOUNT:user/NAME or role/NAME, globs allowed)."
  }
}

variable "trusted_automation" {
  description = "IAM principal ARNs (globs allowed) of deploy pipelines whose changes inside a change window are not reported. Put the role that applies this module here."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.trusted_automation : can(regex("^arn:aws[a-z-]*:(iam|sts)::", a))])
    error_message = "trusted_automation entries must be IAM or STS ARNs."
  }
}

variable "trusted_accounts" {
  description = "Outside AWS account ids roles may trust and resources may be shared with."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.trusted_accounts : can(regex("^\\d{12}$", a))])
    error_message = "trusted_accounts entries must be 12-digit account ids."
  }
}

variable "protected" {
  description = "IAM principal ARNs (globs allowed) that are never quarantined (findings about them are alerts); the role may not touch them either. Always builds the role's Deny; with config_toml set it must repeat the TOML's [principals] protected (the function reads that one)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.protected : can(regex("^arn:aws[a-z-]*:iam::", a))])
    error_message = "protected entries must be IAM ARNs."
  }
}

variable "identity_providers" {
  description = "SAML and OIDC identity providers the account is meant to have (ARNs, globs, or OIDC issuer hosts); the posture scan lists any other."
  type        = list(string)
  default     = []
}
