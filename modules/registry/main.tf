locals {
  names        = [for i in range(var.replicas) : "${var.name}-registry-${i}"]
  config_path  = "/etc/registry/config.yml"
  bundle_path  = "/run/dockmaster/rootcerts.pem"
  port         = 5000
  debug_port   = 5001
  redis        = var.redis
  redis_config = local.redis == null ? {} : { redis = { addrs = [local.redis.address], password = local.redis.password, db = local.redis.db } }
  cache_config = local.redis == null ? { blobdescriptor = "inmemory" } : { blobdescriptor = "redis" }

  config = merge({
    version = 0.1
    log     = { level = var.log_level, formatter = "text", fields = { service = "registry" } }
    storage = merge(jsondecode(var.storage_json), { cache = local.cache_config })
    http = {
      addr         = ":${local.port}"
      secret       = local.http_secret
      draintimeout = "5s"
      debug        = { addr = ":${local.debug_port}" }
      headers      = { X-Content-Type-Options = ["nosniff"] }
    }
    health = { storagedriver = { enabled = true, interval = "10s", threshold = 3 } }
    auth = {
      token = {
        realm             = var.realm
        service           = var.service
        issuer            = var.issuer
        rootcertbundle    = local.bundle_path
        signingalgorithms = var.signing_algorithms
      }
    }
    notifications = {
      events = { includereferences = true }
      endpoints = [{
        name              = "dockmaster"
        url               = var.notification_url
        headers           = { Authorization = ["Bearer ${var.events_secret}"] }
        timeout           = "5s"
        threshold         = 3
        backoff           = "1s"
        ignoredmediatypes = ["application/octet-stream"]
      }]
    }
  }, local.redis_config)
  config_yaml = yamlencode(local.config)

  command = concat(
    ["registry", "--bundle", local.bundle_path, "--interval", var.key_refresh_interval],
    flatten([for u in var.jwks_urls : ["--jwks-url", u]]),
    ["--", "/registry", "serve", local.config_path],
  )
}

# A generated http.secret that is kept (uuid() once, then ignore_changes).
resource "terraform_data" "http_secret" {
  input = "${replace(uuid(), "-", "")}${replace(uuid(), "-", "")}"
  lifecycle {
    ignore_changes = [input]
  }
}

locals {
  http_secret = coalesce(var.http_secret, terraform_data.http_secret.output)
}

resource "docker_container" "this" {
  count    = var.replicas
  name     = local.names[count.index]
  hostname = local.names[count.index]
  image    = var.image
  command  = local.command
  restart  = "unless-stopped"
  # The replicas start once the auth cluster publishes keys; apply waits for that.
  wait         = true
  wait_timeout = 120

  networks_advanced {
    name    = var.network_name
    aliases = [local.names[count.index]]
  }

  dynamic "mounts" {
    for_each = var.storage_volume == null ? [] : [var.storage_volume]
    content {
      type   = "volume"
      source = mounts.value
      target = "/var/lib/registry"
    }
  }

  upload {
    file    = local.config_path
    content = local.config_yaml
  }

  healthcheck {
    test         = ["CMD", "/dmhelper", "probe", "http://127.0.0.1:${local.debug_port}/debug/health"]
    interval     = "5s"
    timeout      = "4s"
    retries      = 3
    start_period = "2s"
  }

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}
