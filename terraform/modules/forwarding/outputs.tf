output "rule_arns" {
  description = "The forwarding rules of this region, by name suffix."
  value       = { for k, r in aws_cloudwatch_event_rule.forward : k => r.arn }
}

output "dead_letter_queue_url" {
  description = "Events that could not be forwarded."
  value       = aws_sqs_queue.dead_letters.url
}

output "role_arn" {
  description = "Role EventBridge forwards with."
  value       = aws_iam_role.forward.arn
}
