locals {
  names = [for i in range(var.replicas) : "${var.name}-auth-${i}"]
  port  = 5001
}

# Generated secrets that are kept (uuid() once, then ignore_changes).
resource "terraform_data" "events_secret" {
  input = "${replace(uuid(), "-", "")}${replace(uuid(), "-", "")}"
  lifecycle {
    ignore_changes = [input]
  }
}

resource "terraform_data" "admin_password" {
  input = replace(uuid(), "-", "")
  lifecycle {
    ignore_changes = [input]
  }
}

locals {
  events_secret  = coalesce(var.events_secret, terraform_data.events_secret.output)
  admin_password = coalesce(var.admin_password, terraform_data.admin_password.output)

  env = concat(
    [
      "DOCKMASTER_LISTEN=0.0.0.0:${local.port}",
      "DOCKMASTER_DATA_DIR=/data",
      "DOCKMASTER_DATABASE=${var.database_url}",
      "DOCKMASTER_PUBLIC_URL=${var.public_url}",
      "DOCKMASTER_SERVICE=${var.service}",
      "DOCKMASTER_ISSUER=${var.issuer}",
      "DOCKMASTER_EVENTS_SECRET=${local.events_secret}",
      "DOCKMASTER_LOG_LEVEL=${var.log_level}",
      "DOCKMASTER_ADMIN_USERNAME=${var.admin_username}",
      "DOCKMASTER_ADMIN_PASSWORD=${local.admin_password}",
    ],
    var.redis_url == null ? [] : ["DOCKMASTER_REDIS_URL=${var.redis_url}"],
    var.registry_url == null ? [] : ["DOCKMASTER_REGISTRY_URL=${var.registry_url}"],
    length(var.trusted_proxies) == 0 ? [] : ["DOCKMASTER_TRUSTED_PROXIES=${join(",", var.trusted_proxies)}"],
    var.database_timeout == null ? [] : ["DOCKMASTER_DATABASE_TIMEOUT=${var.database_timeout}"],
    var.database_acquire_timeout == null ? [] : ["DOCKMASTER_DATABASE_ACQUIRE_TIMEOUT=${var.database_acquire_timeout}"],
    var.redis_fail_closed ? ["DOCKMASTER_REDIS_FAIL_CLOSED=true"] : [],
    var.registry_host == null ? [] : ["DOCKMASTER_REGISTRY_HOST=${var.registry_host}"],
    [for k, v in var.extra_env : "${k}=${v}"],
  )
}

# Replica 0 starts alone and is healthy (migrations run, first admin created)
# before the others start: no two replicas race on an empty database.
resource "docker_container" "first" {
  name         = local.names[0]
  hostname     = local.names[0]
  image        = var.image
  command      = ["serve"]
  env          = local.env
  restart      = "unless-stopped"
  wait         = true
  wait_timeout = 120

  networks_advanced {
    name    = var.network_name
    aliases = [local.names[0]]
  }

  healthcheck {
    test         = ["CMD", "/dmhelper", "probe", "http://127.0.0.1:${local.port}/readyz"]
    interval     = "3s"
    timeout      = "3s"
    retries      = 3
    start_period = "2s"
  }

  lifecycle {
    precondition {
      condition     = !var.redis_fail_closed || var.redis_url != null
      error_message = "redis_fail_closed needs redis_url: without Redis there is nothing to fail closed on."
    }
  }

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

resource "docker_container" "rest" {
  count        = var.replicas - 1
  name         = local.names[count.index + 1]
  hostname     = local.names[count.index + 1]
  image        = var.image
  command      = ["serve"]
  env          = local.env
  restart      = "unless-stopped"
  wait         = true
  wait_timeout = 120
  depends_on   = [docker_container.first]

  networks_advanced {
    name    = var.network_name
    aliases = [local.names[count.index + 1]]
  }

  healthcheck {
    test         = ["CMD", "/dmhelper", "probe", "http://127.0.0.1:${local.port}/readyz"]
    interval     = "3s"
    timeout      = "3s"
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
