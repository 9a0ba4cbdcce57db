variable "name" {
  description = "Prefix of every container, volume and network of the stack."
  type        = string
  default     = "dockmaster"
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]{0,30}$", var.name))
    error_message = "name must be 1-31 characters of a-z, 0-9, '_', '.', '-' and start with a letter or digit."
  }
}

variable "labels" {
  description = "Labels put on every container, volume and network (dockmaster.stack = name is always added)."
  type        = map(string)
  default     = {}
}

variable "images" {
  description = "Images of the components; the defaults are the local tags `make images` builds."
  type = object({
    dockmaster = optional(string, "dockmaster/dockmaster:local")
    registry   = optional(string, "dockmaster/registry:v3.1.2")
    postgres   = optional(string, "dockmaster/postgres:15")
    redis      = optional(string, "dockmaster/redis:7")
    lb         = optional(string, "dockmaster/nginx:1.22")
  })
  default = {}
}

variable "registry_replicas" {
  description = "Number of registry replicas."
  type        = number
  default     = 2
  validation {
    condition     = var.registry_replicas >= 1 && var.registry_replicas <= 16 && floor(var.registry_replicas) == var.registry_replicas
    error_message = "registry_replicas must be a whole number from 1 to 16."
  }
}

variable "auth_replicas" {
  description = "Number of auth-cluster replicas (dockmaster serve)."
  type        = number
  default     = 2
  validation {
    condition     = var.auth_replicas >= 1 && var.auth_replicas <= 16 && floor(var.auth_replicas) == var.auth_replicas
    error_message = "auth_replicas must be a whole number from 1 to 16."
  }
}

variable "public_host" {
  description = "Host name clients use (in the TLS certificate): the registry is public_host:publish_port."
  type        = string
  default     = "localhost"
  validation {
    condition     = can(regex("^[A-Za-z0-9.-]+$", var.public_host))
    error_message = "public_host must be a host name or IPv4 address."
  }
}

variable "publish_ip" {
  description = "Host address the LB's TLS port is published on."
  type        = string
  default     = "127.0.0.1"
  validation {
    condition     = can(cidrhost("${var.publish_ip}/32", 0))
    error_message = "publish_ip must be an IPv4 address."
  }
}

variable "publish_port" {
  description = "Host port of the LB's TLS listener."
  type        = number
  default     = 5443
  validation {
    condition     = var.publish_port >= 1 && var.publish_port <= 65535 && floor(var.publish_port) == var.publish_port
    error_message = "publish_port must be a port number."
  }
}

variable "tls_cert_pem" {
  description = "PEM certificate (chain) of public_host, presented by the LB."
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

variable "ca_pem" {
  description = "PEM of the CA that signed tls_cert_pem, when clients must be told to trust it (provider_config.ca_pem, docker's certs.d); null for a publicly trusted certificate."
  type        = string
  default     = null
}

variable "admin_username" {
  description = "The first admin."
  type        = string
  default     = "admin"
}

variable "admin_password" {
  description = "The first admin's password; null generates one (admin_password output)."
  type        = string
  default     = null
  sensitive   = true
}

variable "sync_every" {
  description = "Period of the cron sync (`dockmaster sync --every`)."
  type        = string
  default     = "5m"
  validation {
    condition     = can(regex("^[0-9]+(s|m|h)$", var.sync_every))
    error_message = "sync_every must look like 30s, 5m or 1h."
  }
}

variable "storage_backend" {
  description = "\"filesystem\" (a shared volume) or \"s3\" (see storage_s3)."
  type        = string
  default     = "filesystem"
  validation {
    condition     = contains(["filesystem", "s3"], var.storage_backend)
    error_message = "storage_backend must be \"filesystem\" or \"s3\"."
  }
}

variable "storage_s3" {
  description = "S3 settings for storage_backend = \"s3\" (see modules/storage)."
  type = object({
    bucket         = string
    region         = string
    regionendpoint = optional(string)
    accesskey      = optional(string)
    secretkey      = optional(string)
    rootdirectory  = optional(string)
    forcepathstyle = optional(bool, false)
    encrypt        = optional(bool, false)
    secure         = optional(bool, true)
  })
  default   = null
  sensitive = true
}

variable "keep_data_volumes" {
  description = "Names of volumes created outside Terraform for the registry's blobs and PostgreSQL's data; they survive `terraform destroy`. null: managed volumes, removed on destroy."
  type = object({
    registry = string
    postgres = string
  })
  default = null
}

variable "key_refresh_interval" {
  description = "How often the registries look for new signing keys."
  type        = string
  default     = "5s"
}

variable "registry_log_level" {
  description = "Log level of the registries (info and debug print the events secret: distribution logs its notification headers)."
  type        = string
  default     = "warn"
  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.registry_log_level)
    error_message = "registry_log_level must be debug, info, warn or error."
  }
}

variable "log_level" {
  description = "Log level of the auth cluster."
  type        = string
  default     = "info"
  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "auth_database_timeout" {
  description = "Deadline of every database call of the auth replicas (a Go duration; null: the server's 3s). See modules/authserver."
  type        = string
  default     = null
  validation {
    condition     = var.auth_database_timeout == null || can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", var.auth_database_timeout))
    error_message = "auth_database_timeout must be a Go duration such as 3s or 500ms."
  }
}

variable "auth_database_acquire_timeout" {
  description = "How long an auth replica waits for a free PostgreSQL connection (a Go duration; null: the server's 1s). See modules/authserver."
  type        = string
  default     = null
  validation {
    condition     = var.auth_database_acquire_timeout == null || can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", var.auth_database_acquire_timeout))
    error_message = "auth_database_acquire_timeout must be a Go duration such as 3s or 500ms."
  }
}

variable "auth_redis_fail_closed" {
  description = "Refuse logins (503) while Redis is unreachable instead of throttling per replica. See modules/authserver."
  type        = bool
  default     = false
}

variable "auth_extra_env" {
  description = "More DOCKMASTER_* settings for the auth replicas."
  type        = map(string)
  default     = {}
}
