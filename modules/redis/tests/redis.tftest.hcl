mock_provider "docker" {}

variables {
  name         = "t"
  network_name = "t-net"
}

run "generated_password_and_url" {
  command = apply
  assert {
    condition     = output.address == "t-redis:6379" && startswith(output.url, "redis://:") && length(output.password) >= 32
    error_message = "address, url and password"
  }
}

run "rejects_tiny_memory" {
  command = plan
  variables {
    max_memory_mb = 1
  }
  expect_failures = [var.max_memory_mb]
}
