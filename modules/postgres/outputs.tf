output "host" {
  description = "Host name of the server on the network."
  value       = docker_container.this.name
}

output "port" {
  description = "Port of the server."
  value       = local.port
}

output "database" {
  description = "The database."
  value       = var.database
}

output "username" {
  description = "The database's owner."
  value       = var.username
}

output "password" {
  description = "The owner's password (given or generated)."
  value       = local.password
  sensitive   = true
}

output "url" {
  description = "postgres:// URL for dockmaster --database."
  value       = "postgres://${var.username}:${urlencode(local.password)}@${docker_container.this.name}:${local.port}/${var.database}?sslmode=disable"
  sensitive   = true
}

output "volume_name" {
  description = "The data volume."
  value       = local.volume_name
}
