output "names" {
  description = "Container (and host) names of the replicas."
  value       = concat([docker_container.first.name], docker_container.rest[*].name)
}

output "port" {
  description = "Port every replica listens on."
  value       = local.port
}

output "upstreams" {
  description = "host:port of every replica, for the LB."
  value       = [for n in concat([docker_container.first.name], docker_container.rest[*].name) : "${n}:${local.port}"]
}

output "jwks_urls" {
  description = "Each replica's /.well-known/jwks.json on the private network (modules/registry's jwks_urls)."
  value       = [for n in concat([docker_container.first.name], docker_container.rest[*].name) : "http://${n}:${local.port}/.well-known/jwks.json"]
}

output "events_secret" {
  description = "The notification secret (given or generated), for modules/registry."
  value       = local.events_secret
  sensitive   = true
}

output "admin_username" {
  description = "The first admin's user name."
  value       = var.admin_username
}

output "admin_password" {
  description = "The first admin's password (given or generated). It is what the database got only if it was empty at the first start."
  value       = local.admin_password
  sensitive   = true
}

output "ids" {
  description = "Container IDs of the replicas (they change when a replica is replaced: modules/lb's upstream_ids)."
  value       = concat([docker_container.first.id], docker_container.rest[*].id)
}
