variable "name" {
  description = "Prefix of every object this module creates."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]{0,40}$", var.name))
    error_message = "name must be 1-41 characters of a-z, 0-9, '_', '.', '-' and start with a letter or digit."
  }
}

variable "network_name" {
  description = "The Docker network the containers join (created by the caller, e.g. modules/stack)."
  type        = string
  validation {
    condition     = length(var.network_name) > 0
    error_message = "network_name must not be empty."
  }
}

variable "labels" {
  description = "Labels put on everything this module creates."
  type        = map(string)
  default     = {}
}

variable "image" {
  description = "nginx image (built by `make images` from Debian's nginx)."
  type        = string
  default     = "dockmaster/nginx:1.22"
}

variable "registry_upstreams" {
  description = "host:port of every registry replica (modules/registry's upstreams). /v2/ goes to them with source-IP affinity (ip_hash)."
  type        = list(string)
  validation {
    condition     = length(var.registry_upstreams) > 0 && alltrue([for u in var.registry_upstreams : can(regex("^[A-Za-z0-9_.-]+:[0-9]+$", u))])
    error_message = "registry_upstreams must hold at least one host:port."
  }
}

variable "auth_upstreams" {
  description = "host:port of every auth replica (modules/authserver's upstreams): /auth/, /api/, /registry/events, /.well-known/ and the UI."
  type        = list(string)
  validation {
    condition     = length(var.auth_upstreams) > 0 && alltrue([for u in var.auth_upstreams : can(regex("^[A-Za-z0-9_.-]+:[0-9]+$", u))])
    error_message = "auth_upstreams must hold at least one host:port."
  }
}

variable "tls_cert_pem" {
  description = "PEM certificate chain the LB presents (leaf first)."
  type        = string
  validation {
    condition     = can(regex("-----BEGIN CERTIFICATE-----", var.tls_cert_pem))
    error_message = "tls_cert_pem must hold a PEM certificate."
  }
}

variable "tls_key_pem" {
  description = "PEM private key of tls_cert_pem."
  type        = string
  sensitive   = true
  validation {
    condition     = can(regex("-----BEGIN [A-Z ]*PRIVATE KEY-----", var.tls_key_pem))
    error_message = "tls_key_pem must hold a PEM private key."
  }
}

variable "publish_ip" {
  description = "Host address the TLS port is published on (127.0.0.1 keeps it on this machine)."
  type        = string
  default     = "127.0.0.1"
  validation {
    condition     = can(cidrhost("${var.publish_ip}/32", 0))
    error_message = "publish_ip must be an IPv4 address."
  }
}

variable "publish_port" {
  description = "Host port of the TLS listener."
  type        = number
  default     = 5443
  validation {
    condition     = var.publish_port >= 1 && var.publish_port <= 65535 && floor(var.publish_port) == var.publish_port
    error_message = "publish_port must be a port number."
  }
}

variable "max_fails" {
  description = "Passive health check: failures within fail_timeout after which an upstream is skipped for fail_timeout."
  type        = number
  default     = 1
  validation {
    condition     = var.max_fails >= 1 && var.max_fails <= 10
    error_message = "max_fails must be from 1 to 10."
  }
}

variable "fail_timeout" {
  description = "Passive health check window and back-off (nginx time, e.g. 5s)."
  type        = string
  default     = "5s"
  validation {
    condition     = can(regex("^[0-9]+s$", var.fail_timeout))
    error_message = "fail_timeout must look like 5s."
  }
}

variable "upstream_ids" {
  description = "IDs of the upstream containers. nginx resolves upstream names once, at start, so when one of them is replaced (new address) the LB is replaced too."
  type        = list(string)
  default     = []
}
