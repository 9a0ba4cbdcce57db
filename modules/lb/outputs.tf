output "name" {
  description = "Container (and host) name of the LB."
  value       = docker_container.this.name
}

output "internal_url" {
  description = "The private listener (http://NAME-lb:8080) the stack's containers use for events and the registry API."
  value       = "http://${local.host}:${local.internal_port}"
}

output "published" {
  description = "host address and port of the TLS listener."
  value       = "${var.publish_ip}:${var.publish_port}"
}

output "config" {
  description = "The rendered nginx.conf."
  value       = local.config
}
