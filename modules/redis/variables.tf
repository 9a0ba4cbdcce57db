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
  description = "Redis image (built by `make images` from Debian's redis-server)."
  type        = string
  default     = "dockmaster/redis:7"
  validation {
    condition     = length(var.image) > 0
    error_message = "image must not be empty."
  }
}

variable "password" {
  description = "requirepass of the server; null generates one (see the password output)."
  type        = string
  default     = null
  sensitive   = true
  validation {
    condition     = var.password == null || length(coalesce(var.password, "x")) >= 16
    error_message = "password must be at least 16 characters."
  }
}

variable "max_memory_mb" {
  description = "maxmemory of the server in MiB (keys are evicted LRU beyond it: it is a cache)."
  type        = number
  default     = 256
  validation {
    condition     = var.max_memory_mb >= 16 && floor(var.max_memory_mb) == var.max_memory_mb
    error_message = "max_memory_mb must be a whole number >= 16."
  }
}
