mock_provider "docker" {}

variables {
  name         = "t"
  network_name = "t-net"
}

run "generated_password_and_url" {
  command = apply
  assert {
    condition     = length(output.password) >= 32 && startswith(output.url, "postgres://dockmaster:") && endswith(output.url, "@t-postgres:5432/dockmaster?sslmode=disable")
    error_message = "generated password in the URL"
  }
  assert {
    condition     = length(docker_volume.data) == 1 && [for m in docker_container.this.mounts : m.target] == ["/var/lib/postgresql/data"]
    error_message = "a data volume"
  }
}

run "rejects_short_password" {
  command = plan
  variables {
    password = "short"
  }
  expect_failures = [var.password]
}
