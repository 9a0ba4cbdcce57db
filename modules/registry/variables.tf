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
  description = "Registry image: distribution v3 under dmhelper (built by `make images`)."
  type        = string
  default     = "dockmaster/registry:v3.1.2"
  validation {
    condition     = length(var.image) > 0
    error_message = "image must not be empty."
  }
}

variable "replicas" {
  description = "Number of registry containers (NAME-registry-0 …)."
  type        = number
  default     = 2
  validation {
    condition     = var.replicas >= 1 && var.replicas <= 16 && floor(var.replicas) == var.replicas
    error_message = "replicas must be a whole number from 1 to 16."
  }
}

variable "realm" {
  description = "Token realm clients are sent to: the public URL of the auth cluster through the LB + /auth/token."
  type        = string
  validation {
    condition     = can(regex("^https?://[^/]+/.*auth/token$", var.realm))
    error_message = "realm must be an http(s) URL ending in /auth/token."
  }
}

variable "service" {
  description = "auth.token.service: the token audience (dockmaster --service)."
  type        = string
  default     = "dockmaster"
  validation {
    condition     = length(var.service) > 0
    error_message = "service must not be empty."
  }
}

variable "issuer" {
  description = "auth.token.issuer: the tokens' iss (dockmaster --issuer)."
  type        = string
  default     = "dockmaster"
  validation {
    condition     = length(var.issuer) > 0
    error_message = "issuer must not be empty."
  }
}

variable "signing_algorithms" {
  description = "auth.token.signingalgorithms: what the auth cluster may sign with (never HS*)."
  type        = list(string)
  default     = ["ES256", "RS256", "EdDSA"]
  validation {
    condition     = length(var.signing_algorithms) > 0 && alltrue([for a in var.signing_algorithms : contains(["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"], a)])
    error_message = "signing_algorithms must be a non-empty list of asymmetric JWS algorithms (ES*, RS*, PS*, EdDSA)."
  }
}

variable "jwks_urls" {
  description = "URLs of the auth replicas' /.well-known/jwks.json on the private network. dmhelper turns the published keys' certificates into auth.token.rootcertbundle and restarts the registry when they change."
  type        = list(string)
  validation {
    condition     = length(var.jwks_urls) > 0 && alltrue([for u in var.jwks_urls : can(regex("^https?://", u))])
    error_message = "jwks_urls must hold at least one http(s) URL."
  }
}

variable "key_refresh_interval" {
  description = "How often each replica looks for new signing keys (Go duration, >= 1s)."
  type        = string
  default     = "5s"
  validation {
    condition     = can(regex("^[0-9]+(s|m)$", var.key_refresh_interval))
    error_message = "key_refresh_interval must look like 5s or 1m."
  }
}

variable "notification_url" {
  description = "Where events are posted: the auth cluster's /registry/events (through the LB's private listener)."
  type        = string
  validation {
    condition     = can(regex("^https?://.+/registry/events$", var.notification_url))
    error_message = "notification_url must be an http(s) URL ending in /registry/events."
  }
}

variable "events_secret" {
  description = "Shared secret sent as `Authorization: Bearer <secret>` with every event (dockmaster DOCKMASTER_EVENTS_SECRET)."
  type        = string
  sensitive   = true
  validation {
    condition     = length(var.events_secret) >= 32
    error_message = "events_secret must be at least 32 characters."
  }
}

variable "http_secret" {
  description = "http.secret shared by every replica (upload state); null generates one."
  type        = string
  default     = null
  sensitive   = true
  validation {
    condition     = var.http_secret == null || length(coalesce(var.http_secret, "x")) >= 32
    error_message = "http_secret must be at least 32 characters."
  }
}

variable "redis" {
  description = "Redis for the blob-descriptor cache: address host:port, password, db. null disables the cache."
  type = object({
    address  = string
    password = optional(string)
    db       = optional(number, 1)
  })
  default   = null
  sensitive = true
}

variable "storage_json" {
  description = "The registry's storage section as JSON (modules/storage's registry_storage_json)."
  type        = string
  sensitive   = true
  validation {
    condition     = can(jsondecode(var.storage_json))
    error_message = "storage_json must be JSON."
  }
}

variable "storage_volume" {
  description = "Docker volume mounted at /var/lib/registry on every replica (filesystem storage); null for S3."
  type        = string
  default     = null
}

variable "log_level" {
  description = "The registry's log level. distribution v3 logs each notification endpoint with its headers (the events secret) at info, so the default is warn; access logs are separate and stay on."
  type        = string
  default     = "warn"
  validation {
    condition     = contains(["error", "warn", "info", "debug"], var.log_level)
    error_message = "log_level must be error, warn, info or debug."
  }
}
