mock_provider "docker" {}

variables {
  name            = "t"
  network_name    = "t-net"
  replicas        = 3
  database_url    = "postgres://dm:pw@t-postgres:5432/dockmaster"
  redis_url       = "redis://:pw@t-redis:6379/0"
  public_url      = "https://localhost:5443"
  registry_url    = "http://t-lb:8080"
  trusted_proxies = ["172.30.0.0/16"]
}

run "replicas_env_and_generated_secrets" {
  command = apply

  assert {
    condition     = length(output.names) == 3 && output.names[0] == "t-auth-0" && length(docker_container.rest) == 2
    error_message = "replica 0 first, then the others"
  }
  assert {
    condition     = contains(docker_container.first.env, "DOCKMASTER_TRUSTED_PROXIES=172.30.0.0/16")
    error_message = "--trusted-proxies must be the LB's network"
  }
  assert {
    condition     = contains(docker_container.first.env, "DOCKMASTER_DATABASE=postgres://dm:pw@t-postgres:5432/dockmaster") && contains(docker_container.first.env, "DOCKMASTER_REDIS_URL=redis://:pw@t-redis:6379/0")
    error_message = "PostgreSQL and Redis settings"
  }
  assert {
    condition     = contains(docker_container.first.env, "DOCKMASTER_PUBLIC_URL=https://localhost:5443")
    error_message = "public URL"
  }
  assert {
    condition     = length(output.admin_password) >= 32 && length(output.events_secret) >= 32
    error_message = "secrets are generated when not given"
  }
  assert {
    condition     = docker_container.first.env == docker_container.rest[0].env
    error_message = "every replica runs with the same settings"
  }
  assert {
    condition     = output.jwks_urls[2] == "http://t-auth-2:5001/.well-known/jwks.json"
    error_message = "jwks_urls"
  }
}

run "given_secrets_are_used" {
  command = plan
  variables {
    admin_password = "a-given-password"
    events_secret  = "0123456789abcdef0123456789abcdef"
  }
  assert {
    condition     = output.admin_password == "a-given-password" && output.events_secret == "0123456789abcdef0123456789abcdef"
    error_message = "given secrets win"
  }
}

run "rejects_sqlite" {
  command = plan
  variables {
    database_url = "sqlite:///data/dm.db"
  }
  expect_failures = [var.database_url]
}

run "rejects_bad_proxy" {
  command = plan
  variables {
    trusted_proxies = ["not-a-cidr"]
  }
  expect_failures = [var.trusted_proxies]
}

run "rejects_public_url_with_path" {
  command = plan
  variables {
    public_url = "https://localhost:5443/x"
  }
  expect_failures = [var.public_url]
}

run "resilience_settings" {
  command = plan
  variables {
    database_timeout         = "2s"
    database_acquire_timeout = "500ms"
    redis_fail_closed        = true
    registry_host            = "registry.example.com:5443"
  }
  assert {
    condition = alltrue([for e in ["DOCKMASTER_DATABASE_TIMEOUT=2s", "DOCKMASTER_DATABASE_ACQUIRE_TIMEOUT=500ms", "DOCKMASTER_REDIS_FAIL_CLOSED=true",
    "DOCKMASTER_REGISTRY_HOST=registry.example.com:5443"] : contains(docker_container.first.env, e)])
    error_message = "the database deadlines, fail-closed Redis and the registry host reach every replica"
  }
}

run "resilience_defaults_are_the_servers" {
  command = plan
  assert {
    condition     = length([for e in docker_container.first.env : e if can(regex("^DOCKMASTER_(DATABASE_TIMEOUT|DATABASE_ACQUIRE_TIMEOUT|REDIS_FAIL_CLOSED|REGISTRY_HOST)=", e))]) == 0
    error_message = "unset settings are left to the server's defaults"
  }
}

run "rejects_bad_durations" {
  command = plan
  variables {
    database_timeout         = "3 seconds"
    database_acquire_timeout = "-1s"
  }
  expect_failures = [var.database_timeout, var.database_acquire_timeout]
}

run "rejects_bad_registry_host" {
  command = plan
  variables {
    registry_host = "https://registry.example.com/"
  }
  expect_failures = [var.registry_host]
}

run "fail_closed_needs_redis" {
  command = plan
  variables {
    redis_url         = null
    redis_fail_closed = true
  }
  expect_failures = [docker_container.first]
}
