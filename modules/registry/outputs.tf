output "names" {
  description = "Container (and host) names of the replicas."
  value       = docker_container.this[*].name
}

output "port" {
  description = "Port every replica serves the registry API on."
  value       = local.port
}

output "upstreams" {
  description = "host:port of every replica, for the LB."
  value       = [for n in docker_container.this[*].name : "${n}:${local.port}"]
}

output "config_yaml" {
  description = "The rendered config.yml (holds the secrets)."
  value       = local.config_yaml
  sensitive   = true
}

output "http_secret" {
  description = "http.secret shared by the replicas."
  value       = local.http_secret
  sensitive   = true
}

output "ids" {
  description = "Container IDs of the replicas (they change when a replica is replaced: modules/lb's upstream_ids)."
  value       = docker_container.this[*].id
}
