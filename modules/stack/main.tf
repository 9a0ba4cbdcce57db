locals {
  labels     = merge(var.labels, { "dockmaster.stack" = var.name })
  public_url = var.publish_port == 443 ? "https://${var.public_host}" : "https://${var.public_host}:${var.publish_port}"
  registry   = var.publish_port == 443 ? var.public_host : "${var.public_host}:${var.publish_port}"
  # The LB is created last (nginx needs its upstreams to resolve), so the
  # others know it by name: its private listener carries events and the
  # registry API inside the stack.
  lb_internal = "http://${var.name}-lb:8080"
}

resource "docker_network" "this" {
  name   = "${var.name}-net"
  driver = "bridge"

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

module "storage" {
  source          = "../storage"
  name            = var.name
  backend         = var.storage_backend
  s3              = var.storage_s3
  existing_volume = try(var.keep_data_volumes.registry, null)
  labels          = local.labels
}

module "redis" {
  source       = "../redis"
  name         = var.name
  network_name = docker_network.this.name
  image        = var.images.redis
  labels       = local.labels
}

module "postgres" {
  source          = "../postgres"
  name            = var.name
  network_name    = docker_network.this.name
  image           = var.images.postgres
  existing_volume = try(var.keep_data_volumes.postgres, null)
  labels          = local.labels
}

module "authserver" {
  source       = "../authserver"
  name         = var.name
  network_name = docker_network.this.name
  image        = var.images.dockmaster
  replicas     = var.auth_replicas
  database_url = module.postgres.url
  redis_url    = module.redis.url
  public_url   = local.public_url
  registry_url = local.lb_internal
  # Only the stack's containers join its network; the LB is one of them.
  trusted_proxies = [for c in docker_network.this.ipam_config : c.subnet if can(cidrhost(c.subnet, 0))]
  admin_username  = var.admin_username
  admin_password  = var.admin_password
  log_level       = var.log_level
  extra_env       = var.auth_extra_env
  labels          = local.labels

  database_timeout         = var.auth_database_timeout
  database_acquire_timeout = var.auth_database_acquire_timeout
  redis_fail_closed        = var.auth_redis_fail_closed
}

module "registry" {
  source               = "../registry"
  name                 = var.name
  network_name         = docker_network.this.name
  image                = var.images.registry
  replicas             = var.registry_replicas
  realm                = "${local.public_url}/auth/token"
  jwks_urls            = module.authserver.jwks_urls
  key_refresh_interval = var.key_refresh_interval
  notification_url     = "${local.lb_internal}/registry/events"
  events_secret        = module.authserver.events_secret
  redis                = { address = module.redis.address, password = module.redis.password, db = 1 }
  storage_json         = module.storage.registry_storage_json
  storage_volume       = module.storage.volume_name
  log_level            = var.registry_log_level
  labels               = local.labels
}

module "lb" {
  source             = "../lb"
  name               = var.name
  network_name       = docker_network.this.name
  image              = var.images.lb
  registry_upstreams = module.registry.upstreams
  auth_upstreams     = module.authserver.upstreams
  upstream_ids       = concat(module.registry.ids, module.authserver.ids)
  tls_cert_pem       = var.tls_cert_pem
  tls_key_pem        = var.tls_key_pem
  publish_ip         = var.publish_ip
  publish_port       = var.publish_port
  labels             = local.labels
}

module "cron_sync" {
  source       = "../cron-sync"
  name         = var.name
  network_name = docker_network.this.name
  image        = var.images.dockmaster
  every        = var.sync_every
  database_url = module.postgres.url
  # Through the LB's private listener, which exists once module.lb does.
  registry_url = module.lb.internal_url
  labels       = local.labels
}
