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
  description = "Dockmaster image (FROM scratch, built by `make images`)."
  type        = string
  default     = "dockmaster/dockmaster:local"
}

variable "replicas" {
  description = "Number of sync containers. A PostgreSQL advisory lock lets one run at a time, so more than one only adds standby."
  type        = number
  default     = 1
  validation {
    condition     = var.replicas >= 0 && var.replicas <= 4 && floor(var.replicas) == var.replicas
    error_message = "replicas must be a whole number from 0 to 4."
  }
}

variable "every" {
  description = "Period of `dockmaster sync --every` (Go duration: 30s, 5m, 1h)."
  type        = string
  default     = "5m"
  validation {
    condition     = can(regex("^[0-9]+(s|m|h)$", var.every))
    error_message = "every must look like 30s, 5m or 1h."
  }
}

variable "database_url" {
  description = "postgres:// URL of the auth cluster's database."
  type        = string
  sensitive   = true
  validation {
    condition     = can(regex("^postgres(ql)?://", var.database_url))
    error_message = "database_url must be a postgres:// URL."
  }
}

variable "registry_url" {
  description = "The registry API on the private network (the LB's private listener spreads it over the replicas)."
  type        = string
  validation {
    condition     = can(regex("^https?://", var.registry_url))
    error_message = "registry_url must be an http(s) URL."
  }
}

variable "service" {
  description = "Token audience (= the registry's auth.token.service)."
  type        = string
  default     = "dockmaster"
}

variable "issuer" {
  description = "Token issuer (= the registry's auth.token.issuer)."
  type        = string
  default     = "dockmaster"
}

variable "extra_args" {
  description = "More flags for `dockmaster sync` (e.g. [\"--log-level\", \"debug\"])."
  type        = list(string)
  default     = []
}
