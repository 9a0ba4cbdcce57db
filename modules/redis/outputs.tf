output "host" {
  description = "Host name of the server on the network."
  value       = docker_container.this.name
}

output "port" {
  description = "Port of the server."
  value       = local.port
}

output "address" {
  description = "host:port, as the registry's redis.addrs wants it."
  value       = "${docker_container.this.name}:${local.port}"
}

output "password" {
  description = "The server's password (given or generated)."
  value       = local.password
  sensitive   = true
}

output "url" {
  description = "redis:// URL with the password, for dockmaster --redis-url."
  value       = "redis://:${urlencode(local.password)}@${docker_container.this.name}:${local.port}/0"
  sensitive   = true
}
