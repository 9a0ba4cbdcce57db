locals {
  host        = "${var.name}-postgres"
  port        = 5432
  volume_name = coalesce(var.existing_volume, "${var.name}-postgres-data")
}

# A generated password that is kept (uuid() once, then ignore_changes).
resource "terraform_data" "password" {
  input = "${replace(uuid(), "-", "")}${replace(uuid(), "-", "")}"
  lifecycle {
    ignore_changes = [input]
  }
}

locals {
  password = coalesce(var.password, terraform_data.password.output)
}

resource "docker_volume" "data" {
  count = var.existing_volume == null ? 1 : 0
  name  = local.volume_name

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

resource "docker_container" "this" {
  name     = local.host
  image    = var.image
  restart  = "unless-stopped"
  wait     = true
  hostname = local.host
  env = [
    "POSTGRES_USER=${var.username}",
    "POSTGRES_PASSWORD=${local.password}",
    "POSTGRES_DB=${var.database}",
    "POSTGRES_MAX_CONNECTIONS=${var.max_connections}",
  ]
  shm_size = 128

  networks_advanced {
    name    = var.network_name
    aliases = [local.host]
  }

  mounts {
    type   = "volume"
    source = var.existing_volume == null ? docker_volume.data[0].name : var.existing_volume
    target = "/var/lib/postgresql/data"
  }

  healthcheck {
    test     = ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", var.username, "-d", var.database]
    interval = "3s"
    timeout  = "3s"
    retries  = 10
  }

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}
