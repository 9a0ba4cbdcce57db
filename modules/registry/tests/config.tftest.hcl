mock_provider "docker" {}

variables {
  name             = "t"
  network_name     = "t-net"
  realm            = "https://localhost:5443/auth/token"
  jwks_urls        = ["http://t-auth-0:5001/.well-known/jwks.json", "http://t-auth-1:5001/.well-known/jwks.json"]
  notification_url = "http://t-lb:8080/registry/events"
  events_secret    = "0123456789abcdef0123456789abcdef"
  storage_json     = "{\"filesystem\":{\"rootdirectory\":\"/var/lib/registry\"},\"delete\":{\"enabled\":true}}"
  storage_volume   = "t-registry-data"
  redis            = { address = "t-redis:6379", password = "redis-password-123" }
}

run "renders_token_auth_notifications_cache_and_storage" {
  command = apply

  assert {
    condition     = length(docker_container.this) == 2
    error_message = "two replicas by default"
  }
  assert {
    condition     = yamldecode(output.config_yaml).auth.token.realm == "https://localhost:5443/auth/token"
    error_message = "realm not rendered"
  }
  assert {
    condition     = yamldecode(output.config_yaml).auth.token.rootcertbundle == "/run/dockmaster/rootcerts.pem"
    error_message = "rootcertbundle must be the file dmhelper writes"
  }
  assert {
    condition     = !contains(yamldecode(output.config_yaml).auth.token.signingalgorithms, "HS256")
    error_message = "HS256 must never be allowed"
  }
  assert {
    condition     = yamldecode(output.config_yaml).notifications.endpoints[0].headers.Authorization[0] == "Bearer 0123456789abcdef0123456789abcdef"
    error_message = "events secret header not rendered"
  }
  assert {
    condition     = yamldecode(output.config_yaml).storage.cache.blobdescriptor == "redis" && yamldecode(output.config_yaml).redis.addrs[0] == "t-redis:6379"
    error_message = "redis blob-descriptor cache not rendered"
  }
  assert {
    condition     = yamldecode(output.config_yaml).storage.delete.enabled && yamldecode(output.config_yaml).storage.filesystem.rootdirectory == "/var/lib/registry"
    error_message = "storage not rendered"
  }
  assert {
    condition     = length(yamldecode(output.config_yaml).http.secret) >= 32
    error_message = "a generated http.secret is expected"
  }
  assert {
    condition     = docker_container.this[0].upload == docker_container.this[1].upload
    error_message = "every replica must get the same config (one http.secret)"
  }
  assert {
    condition     = contains(docker_container.this[0].command, "--jwks-url") && contains(docker_container.this[0].command, "http://t-auth-1:5001/.well-known/jwks.json")
    error_message = "dmhelper must follow every auth replica's JWKS"
  }
  assert {
    condition     = yamldecode(output.config_yaml).log.level == "warn"
    error_message = "at info the registry logs the events secret (its notification headers)"
  }
  assert {
    condition     = output.upstreams == ["t-registry-0:5000", "t-registry-1:5000"]
    error_message = "upstreams"
  }
}

run "no_redis_means_inmemory_cache" {
  command = plan
  variables {
    redis       = null
    http_secret = "given-http-secret-given-http-secret"
  }
  assert {
    condition     = yamldecode(output.config_yaml).storage.cache.blobdescriptor == "inmemory" && !can(yamldecode(output.config_yaml).redis)
    error_message = "without redis the cache is in memory"
  }
  assert {
    condition     = yamldecode(output.config_yaml).http.secret == "given-http-secret-given-http-secret"
    error_message = "a given http_secret is used"
  }
}

run "rejects_zero_replicas" {
  command = plan
  variables {
    replicas = 0
  }
  expect_failures = [var.replicas]
}

run "rejects_short_events_secret" {
  command = plan
  variables {
    events_secret = "short"
  }
  expect_failures = [var.events_secret]
}

run "rejects_hs256" {
  command = plan
  variables {
    signing_algorithms = ["HS256"]
  }
  expect_failures = [var.signing_algorithms]
}

run "rejects_realm_without_token_path" {
  command = plan
  variables {
    realm = "https://localhost:5443/"
  }
  expect_failures = [var.realm]
}
