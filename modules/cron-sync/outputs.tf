output "names" {
  description = "Container names of the sync processes."
  value       = docker_container.this[*].name
}

output "every" {
  description = "The sync period."
  value       = var.every
}
