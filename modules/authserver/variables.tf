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
  validation {
    condition     = length(var.image) > 0
    error_message = "image must not be empty."
  }
}

variable "replicas" {
  description = "Number of `dockmaster serve` containers (NAME-auth-0 …). They share keys, users and settings through PostgreSQL."
  type        = number
  default     = 2
  validation {
    condition     = var.replicas >= 1 && var.replicas <= 16 && floor(var.replicas) == var.replicas
    error_message = "replicas must be a whole number from 1 to 16."
  }
}

variable "database_url" {
  description = "postgres:// URL of the cluster's database (modules/postgres's url)."
  type        = string
  sensitive   = true
  validation {
    condition     = can(regex("^postgres(ql)?://", var.database_url))
    error_message = "database_url must be a postgres:// URL: several replicas need PostgreSQL."
  }
}

variable "redis_url" {
  description = "redis:// URL for cluster-wide login throttling and cache invalidation (modules/redis's url); null runs both per replica."
  type        = string
  default     = null
  sensitive   = true
}

variable "public_url" {
  description = "The URL users reach the cluster at through the LB (https://host:port); the token realm is PUBLIC_URL/auth/token."
  type        = string
  validation {
    condition     = can(regex("^https?://[^/]+$", var.public_url))
    error_message = "public_url must be scheme://host[:port] with no path."
  }
}

variable "registry_url" {
  description = "The registry API on the private network (deletes through the API)."
  type        = string
  default     = null
  validation {
    condition     = var.registry_url == null || can(regex("^https?://", coalesce(var.registry_url, "http://x")))
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

variable "events_secret" {
  description = "Shared secret of POST /registry/events; null generates one (events_secret output, for modules/registry)."
  type        = string
  default     = null
  sensitive   = true
  validation {
    condition     = var.events_secret == null || length(coalesce(var.events_secret, "x")) >= 32
    error_message = "events_secret must be at least 32 characters."
  }
}

variable "trusted_proxies" {
  description = "CIDRs or IPs whose X-Forwarded-For is believed: the LB (modules/stack passes the private network's subnet, which only the stack's containers join)."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for p in var.trusted_proxies : can(cidrhost(strcontains(p, "/") ? p : "${p}/32", 0))])
    error_message = "trusted_proxies must hold IPv4 CIDRs or addresses."
  }
}

variable "admin_username" {
  description = "The first admin, created on an empty database."
  type        = string
  default     = "admin"
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,62}$", var.admin_username))
    error_message = "admin_username must be a valid Dockmaster user name."
  }
}

variable "admin_password" {
  description = "The first admin's password; null generates one (admin_password output). Used only when the database has no user yet."
  type        = string
  default     = null
  sensitive   = true
  validation {
    condition     = var.admin_password == null || length(coalesce(var.admin_password, "x")) >= 12
    error_message = "admin_password must be at least 12 characters."
  }
}

variable "log_level" {
  description = "Log level of the servers."
  type        = string
  default     = "info"
  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "database_timeout" {
  description = "Deadline of every database call (--database-timeout, a Go duration such as 3s); past it a request answers 503 with Retry-After. null: the server's default (3s)."
  type        = string
  default     = null
  validation {
    condition     = var.database_timeout == null || can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", var.database_timeout))
    error_message = "database_timeout must be a Go duration such as 3s or 1500ms."
  }
}

variable "database_acquire_timeout" {
  description = "How long a database call waits for a free PostgreSQL connection before answering 503 (--database-acquire-timeout, a Go duration, at most database_timeout). null: the server's default (1s)."
  type        = string
  default     = null
  validation {
    condition     = var.database_acquire_timeout == null || can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", var.database_acquire_timeout))
    error_message = "database_acquire_timeout must be a Go duration such as 1s or 500ms."
  }
}

variable "redis_fail_closed" {
  description = "Refuse logins (503) while Redis is unreachable, instead of throttling per replica and invalidating caches by their TTLs (--redis-fail-closed). Needs redis_url."
  type        = bool
  default     = false
}

variable "registry_host" {
  description = "host[:port] clients pull from, shown in the web UI's docker pull lines (--registry-host). null: the host of public_url."
  type        = string
  default     = null
  validation {
    condition     = var.registry_host == null || can(regex("^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$", var.registry_host))
    error_message = "registry_host must be host or host:port."
  }
}

variable "extra_env" {
  description = "More DOCKMASTER_* settings (name => value) for every replica."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.extra_env) : can(regex("^DOCKMASTER_[A-Z0-9_]+$", k))])
    error_message = "extra_env keys must be DOCKMASTER_* variable names."
  }
}
