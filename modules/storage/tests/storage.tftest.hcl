mock_provider "docker" {}

run "filesystem_volume_by_default" {
  command = apply
  variables {
    name = "t"
  }
  assert {
    condition     = output.volume_name == "t-registry-data" && length(docker_volume.this) == 1
    error_message = "a managed volume"
  }
  assert {
    condition     = jsondecode(output.registry_storage_json).filesystem.rootdirectory == "/var/lib/registry" && jsondecode(output.registry_storage_json).delete.enabled
    error_message = "filesystem storage with delete on"
  }
}

run "existing_volume_is_not_managed" {
  command = plan
  variables {
    name            = "t"
    existing_volume = "kept-data"
  }
  assert {
    condition     = output.volume_name == "kept-data" && length(docker_volume.this) == 0
    error_message = "an existing volume is used, not created (so destroy keeps it)"
  }
}

run "s3_passes_settings_through" {
  command = plan
  variables {
    name    = "t"
    backend = "s3"
    s3      = { bucket = "b", region = "r", regionendpoint = "http://minio:9000", forcepathstyle = true }
  }
  assert {
    condition     = jsondecode(output.registry_storage_json).s3.bucket == "b" && jsondecode(output.registry_storage_json).s3.forcepathstyle && !can(jsondecode(output.registry_storage_json).s3.accesskey)
    error_message = "s3 settings pass through, nulls dropped"
  }
  assert {
    condition     = length(docker_volume.this) == 0 && output.volume_name == null
    error_message = "no volume for s3"
  }
}

run "rejects_unknown_backend" {
  command = plan
  variables {
    name    = "t"
    backend = "gcs"
  }
  expect_failures = [var.backend]
}

run "s3_needs_settings" {
  command = plan
  variables {
    name    = "t"
    backend = "s3"
  }
  expect_failures = [terraform_data.checks]
}
