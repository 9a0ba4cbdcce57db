output "registry" {
  description = "host:port for docker login / push / pull."
  value       = module.stack.registry
}

output "public_url" {
  description = "The UI and API."
  value       = module.stack.public_url
}

output "admin_username" {
  description = "The first admin."
  value       = module.stack.admin_username
}

output "admin_password" {
  description = "The first admin's password (terraform output -raw admin_password)."
  value       = module.stack.admin_password
  sensitive   = true
}

output "docker_login" {
  description = "How to log in (password on standard input)."
  value       = module.stack.docker_login
}

output "provider_config" {
  description = "dockmaster/dockmaster provider settings for examples/rbac on top of this stack."
  value       = module.stack.provider_config
  sensitive   = true
}

output "containers" {
  description = "Container names by component."
  value       = module.stack.containers
}

output "labels" {
  description = "Labels on everything the stack made."
  value       = module.stack.labels
}
