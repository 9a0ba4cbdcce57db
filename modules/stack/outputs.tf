output "registry" {
  description = "What `docker login`, `docker push` and image names use: host:port."
  value       = local.registry
}

output "public_url" {
  description = "URL of the UI, the API (/api/v1) and the token service (/auth/token)."
  value       = local.public_url
}

output "admin_username" {
  description = "The first admin."
  value       = module.authserver.admin_username
}

output "admin_password" {
  description = "The first admin's password (given or generated)."
  value       = module.authserver.admin_password
  sensitive   = true
}

output "docker_login" {
  description = "The docker login command (the password is read from standard input)."
  value       = "docker login ${local.registry} --username ${module.authserver.admin_username} --password-stdin"
}

output "provider_config" {
  description = "Settings of the dockmaster/dockmaster provider for RBAC as code on this stack (endpoint, username, password, ca_pem)."
  value = {
    endpoint = local.public_url
    username = module.authserver.admin_username
    password = module.authserver.admin_password
    ca_pem   = var.ca_pem
  }
  sensitive = true
}

output "network_name" {
  description = "The stack's private network."
  value       = docker_network.this.name
}

output "containers" {
  description = "Container names by component."
  value = {
    lb         = [module.lb.name]
    authserver = module.authserver.names
    registry   = module.registry.names
    cron_sync  = module.cron_sync.names
    postgres   = [module.postgres.host]
    redis      = [module.redis.host]
  }
}

output "labels" {
  description = "The labels on every object of the stack."
  value       = local.labels
}
