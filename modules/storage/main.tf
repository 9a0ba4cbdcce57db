locals {
  managed_volume = var.backend == "filesystem" && var.existing_volume == null
  volume_name    = var.backend != "filesystem" ? null : coalesce(var.existing_volume, "${var.name}-registry-data")
  mount_path     = "/var/lib/registry"

  # The registry's storage section as JSON (modules/registry renders it into
  # its YAML); a string, so that both drivers' shapes fit one output.
  s3_settings = var.s3 == null ? {} : { for k, v in var.s3 : k => v if v != null }
  driver_json = (var.backend == "filesystem"
    ? jsonencode({ filesystem = { rootdirectory = local.mount_path } })
  : jsonencode({ s3 = local.s3_settings }))
  storage_json = jsonencode(merge(jsondecode(local.driver_json), { delete = { enabled = var.delete_enabled } }))
}

resource "terraform_data" "checks" {
  input = var.backend
  lifecycle {
    precondition {
      condition     = var.backend != "s3" || var.s3 != null
      error_message = "backend = \"s3\" needs the s3 settings."
    }
  }
}

resource "docker_volume" "this" {
  count = local.managed_volume ? 1 : 0
  name  = local.volume_name

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}
