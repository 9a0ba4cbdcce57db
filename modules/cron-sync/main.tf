locals {
  names = [for i in range(var.replicas) : "${var.name}-sync-${i}"]
  port  = 5002
}

resource "docker_container" "this" {
  count    = var.replicas
  name     = local.names[count.index]
  hostname = local.names[count.index]
  image    = var.image
  command  = concat(["sync", "--every", var.every, "--listen", "0.0.0.0:${local.port}"], var.extra_args)
  env = [
    "DOCKMASTER_DATABASE=${var.database_url}",
    "DOCKMASTER_REGISTRY_URL=${var.registry_url}",
    "DOCKMASTER_SERVICE=${var.service}",
    "DOCKMASTER_ISSUER=${var.issuer}",
    "DOCKMASTER_DATA_DIR=/data",
  ]
  restart = "unless-stopped"
  wait    = true

  networks_advanced {
    name    = var.network_name
    aliases = [local.names[count.index]]
  }

  healthcheck {
    test     = ["CMD", "/dmhelper", "probe", "http://127.0.0.1:${local.port}/healthz"]
    interval = "5s"
    timeout  = "3s"
    retries  = 3
  }

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}
