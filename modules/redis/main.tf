locals {
  host = "${var.name}-redis"
  port = 6379
}

# A generated password that is kept: uuid() is evaluated once, at create,
# and ignore_changes keeps the stored value on every later plan.
resource "terraform_data" "password" {
  input = "${replace(uuid(), "-", "")}${replace(uuid(), "-", "")}"
  lifecycle {
    ignore_changes = [input]
  }
}

locals {
  password = coalesce(var.password, terraform_data.password.output)
}

resource "docker_container" "this" {
  name     = local.host
  image    = var.image
  restart  = "unless-stopped"
  wait     = true
  env      = ["REDIS_PASSWORD=${local.password}", "REDIS_MAXMEMORY=${var.max_memory_mb}mb"]
  hostname = local.host

  networks_advanced {
    name    = var.network_name
    aliases = [local.host]
  }

  healthcheck {
    test     = ["CMD", "/usr/local/bin/dm-redis", "ping"]
    interval = "3s"
    timeout  = "3s"
    retries  = 5
  }

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}
