locals {
  host          = "${var.name}-lb"
  internal_port = 8080
  config = templatefile("${path.module}/nginx.conf.tftpl", {
    registry_upstreams = var.registry_upstreams
    auth_upstreams     = var.auth_upstreams
    max_fails          = var.max_fails
    fail_timeout       = var.fail_timeout
  })
}

# nginx resolves upstream names at start: a replaced upstream (new address)
# must restart it, which replacing the container does.
resource "terraform_data" "upstreams" {
  input = var.upstream_ids
}

resource "docker_container" "this" {
  name     = local.host
  hostname = local.host
  image    = var.image
  restart  = "unless-stopped"
  wait     = true

  networks_advanced {
    name    = var.network_name
    aliases = [local.host]
  }

  ports {
    internal = 443
    external = var.publish_port
    ip       = var.publish_ip
  }

  upload {
    file    = "/etc/nginx/nginx.conf"
    content = local.config
  }
  upload {
    file    = "/etc/nginx/tls/cert.pem"
    content = var.tls_cert_pem
  }
  upload {
    file    = "/etc/nginx/tls/key.pem"
    content = var.tls_key_pem
  }

  lifecycle {
    replace_triggered_by = [terraform_data.upstreams]
  }

  healthcheck {
    test     = ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:${local.internal_port}/lb-health"]
    interval = "3s"
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
