mock_provider "docker" {
  mock_resource "docker_network" {
    defaults = {
      ipam_config = [{ subnet = "172.31.0.0/16", gateway = "172.31.0.1", ip_range = "", aux_address = {} }]
    }
  }
}

variables {
  name         = "s"
  tls_cert_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  tls_key_pem  = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"
  ca_pem       = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
}

run "defaults_compose_the_topology" {
  command = apply

  assert {
    condition     = output.registry == "localhost:5443" && output.public_url == "https://localhost:5443"
    error_message = "registry host:port and public URL"
  }
  assert {
    condition     = output.docker_login == "docker login localhost:5443 --username admin --password-stdin"
    error_message = "docker login line"
  }
  assert {
    condition     = output.provider_config.endpoint == "https://localhost:5443" && output.provider_config.username == "admin" && length(output.provider_config.password) >= 32 && output.provider_config.ca_pem == var.ca_pem
    error_message = "provider configuration for RBAC as code"
  }
  assert {
    condition     = length(output.containers.registry) == 2 && length(output.containers.authserver) == 2 && length(output.containers.cron_sync) == 1
    error_message = "2 registries, 2 auth replicas, 1 sync by default"
  }
  assert {
    condition     = module.registry.upstreams == ["s-registry-0:5000", "s-registry-1:5000"]
    error_message = "registry upstreams"
  }
  assert {
    condition     = yamldecode(module.registry.config_yaml).auth.token.realm == "https://localhost:5443/auth/token"
    error_message = "realm through the LB"
  }
  assert {
    condition     = yamldecode(module.registry.config_yaml).notifications.endpoints[0].url == "http://s-lb:8080/registry/events"
    error_message = "events through the LB's private listener"
  }
  assert {
    condition     = yamldecode(module.registry.config_yaml).notifications.endpoints[0].headers.Authorization[0] == "Bearer ${module.authserver.events_secret}"
    error_message = "registry and auth cluster share the events secret"
  }
  assert {
    condition     = output.labels["dockmaster.stack"] == "s"
    error_message = "every object is labelled with the stack"
  }
}

run "image_defaults_are_the_local_tags" {
  command = plan
  assert {
    condition     = var.images.dockmaster == "dockmaster/dockmaster:local" && var.images.registry == "dockmaster/registry:v3.1.2" && var.images.lb == "dockmaster/nginx:1.22"
    error_message = "image defaults are the tags make images builds"
  }
  assert {
    condition     = module.lb.config != "" && strcontains(module.lb.config, "server s-auth-1:5001")
    error_message = "LB routes to both auth replicas"
  }
}

run "port_443_is_left_out_of_urls" {
  command = plan
  variables {
    publish_port = 443
    public_host  = "registry.internal"
  }
  assert {
    condition     = output.registry == "registry.internal" && output.public_url == "https://registry.internal"
    error_message = "no :443 in the names"
  }
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "Bad Name"
  }
  expect_failures = [var.name]
}

run "kept_data_volumes_are_not_managed" {
  command = plan
  variables {
    keep_data_volumes = { registry = "kept-registry", postgres = "kept-postgres" }
  }
  assert {
    condition     = module.storage.volume_name == "kept-registry" && module.postgres.volume_name == "kept-postgres"
    error_message = "volumes made outside Terraform are used as they are (and so survive destroy)"
  }
}

run "auth_failure_settings_are_durations" {
  command = plan
  variables {
    auth_database_timeout         = "soon"
    auth_database_acquire_timeout = "1 s"
  }
  expect_failures = [var.auth_database_timeout, var.auth_database_acquire_timeout]
}

run "auth_failure_settings_reach_the_auth_module" {
  command = plan
  variables {
    auth_database_timeout         = "2s"
    auth_database_acquire_timeout = "500ms"
    auth_redis_fail_closed        = true
  }
  # The auth module validates them again and refuses fail-closed without
  # Redis: a plan that goes through has passed both.
  assert {
    condition     = length(output.containers.authserver) == 2
    error_message = "the auth cluster is planned with the failure settings"
  }
}
