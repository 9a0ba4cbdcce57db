output "robot_username" {
  description = "The CI robot's username."
  value       = dockmaster_robot_account.ci.full_name
}

output "robot_secret" {
  description = "The CI robot's secret (terraform output -raw robot_secret)."
  value       = dockmaster_robot_account.ci.secret
  sensitive   = true
}

output "docker_login" {
  description = "How CI signs in to the registry."
  value       = "terraform output -raw robot_secret | docker login ${var.registry} -u '${dockmaster_robot_account.ci.full_name}' --password-stdin"
}

output "robot_namespace" {
  description = "The one namespace the CI robot may push to."
  value       = dockmaster_namespace.payments.name
}

output "application_token" {
  description = "The application token of var.application_token_user (terraform output -raw application_token); null when none was asked for."
  value       = one(dockmaster_application_token.this[*].secret)
  sensitive   = true
}
