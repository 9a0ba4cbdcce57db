output "volume_name" {
  description = "The Docker volume every registry replica mounts at mount_path (null for S3)."
  value       = local.managed_volume ? docker_volume.this[0].name : local.volume_name
}

output "mount_path" {
  description = "Where the registries mount the volume."
  value       = local.mount_path
}

output "registry_storage_json" {
  description = "The registry's `storage` section (driver settings, delete) as JSON, for modules/registry's storage_json."
  value       = local.storage_json
  sensitive   = true
}
