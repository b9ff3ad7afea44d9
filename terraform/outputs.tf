output "function_name" {
  description = "Name of the trailguard function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the trailguard function (for an S3 notification you manage yourself)."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.function.arn
}

output "queue_url" {
  description = "URL of the SQS buffer between EventBridge and the function."
  value       = aws_sqs_queue.events.url
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue (events that kept failing, with the reason)."
  value       = aws_sqs_queue.dead_letters.url
}

output "table_name" {
  description = "DynamoDB table of correlation state and the quarantine journal."
  value       = aws_dynamodb_table.state.name
}

output "topic_arn" {
  description = "SNS topic the findings are published to."
  value       = aws_sns_topic.alerts.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the table, queues, topic, logs and configuration."
  value       = local.kms_key_arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function (structured JSON)."
  value       = aws_cloudwatch_log_group.function.name
}

output "config_parameter_name" {
  description = "SSM parameter holding the configuration (null when it is inline)."
  value       = var.config_in_ssm ? aws_ssm_parameter.config[0].name : null
}

output "config_toml" {
  description = "The configuration the function runs with."
  value       = local.config_toml
}

output "event_rule_arns" {
  description = "EventBridge rules feeding the queue, by name suffix."
  value       = { for k, r in aws_cloudwatch_event_rule.cloudtrail : k => r.arn }
}

output "event_rules" {
  description = "The rules' patterns and states, by name suffix: pass to modules/forwarding in other regions."
  value       = local.event_rules
}

output "event_bus_arn" {
  description = "This region's default event bus, the target of forwarding rules in other regions."
  value       = "arn:${local.partition}:events:${local.region}:${local.account}:event-bus/default"
}

output "self_resources" {
  description = "The guard's own resources (TRAILGUARD_SELF), watched by the self-protection rule; protect them with the SCP in README.md."
  value       = local.self_resources
}
