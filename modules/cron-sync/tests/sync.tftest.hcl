mock_provider "docker" {}

variables {
  name         = "t"
  network_name = "t-net"
  database_url = "postgres://dm:pw@t-postgres:5432/dockmaster"
  registry_url = "http://t-lb:8080"
  every        = "30s"
}

run "runs_sync_every" {
  command = plan
  assert {
    condition     = join(" ", slice(docker_container.this[0].command, 0, 3)) == "sync --every 30s"
    error_message = "dockmaster sync --every"
  }
}

run "rejects_bad_period" {
  command = plan
  variables {
    every = "often"
  }
  expect_failures = [var.every]
}
