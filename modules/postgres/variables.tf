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
  description = "PostgreSQL image (built by `make images` from Debian's postgresql-15)."
  type        = string
  default     = "dockmaster/postgres:15"
  validation {
    condition     = length(var.image) > 0
    error_message = "image must not be empty."
  }
}

variable "database" {
  description = "Database created on first start."
  type        = string
  default     = "dockmaster"
  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database))
    error_message = "database must be a lower-case SQL identifier."
  }
}

variable "username" {
  description = "The database's owner (a superuser of this server)."
  type        = string
  default     = "dockmaster"
  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.username))
    error_message = "username must be a lower-case SQL identifier."
  }
}

variable "password" {
  description = "The owner's password; null generates one (see the password output)."
  type        = string
  default     = null
  sensitive   = true
  validation {
    condition     = var.password == null || length(coalesce(var.password, "x")) >= 16
    error_message = "password must be at least 16 characters."
  }
}

variable "existing_volume" {
  description = "Name of a volume created outside Terraform for the data directory. Its data survives `terraform destroy`; the managed volume (the default) does not."
  type        = string
  default     = null
}

variable "max_connections" {
  description = "max_connections of the server (every auth replica and the cron sync hold a pool)."
  type        = number
  default     = 200
  validation {
    condition     = var.max_connections >= 20 && var.max_connections <= 10000
    error_message = "max_connections must be between 20 and 10000."
  }
}
