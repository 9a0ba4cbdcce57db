# The whole topology on the local Docker engine: 2 registry replicas and 2
# auth replicas behind one nginx on https://localhost:5443, TLS from the CA
# gen-tls.sh makes. `make stack` runs it; `make stack-destroy` removes it.
module "stack" {
  source = "../../../modules/stack"

  name              = var.name
  registry_replicas = 2
  auth_replicas     = 2
  public_host       = "localhost"
  publish_ip        = "127.0.0.1"
  publish_port      = var.publish_port
  tls_cert_pem      = file("${var.tls_dir}/cert.pem")
  tls_key_pem       = file("${var.tls_dir}/key.pem")
  ca_pem            = file("${var.tls_dir}/ca.pem")
  images            = var.images
  sync_every        = var.sync_every
  labels            = var.labels
  auth_extra_env    = var.auth_extra_env
}
