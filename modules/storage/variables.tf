variable "name" {
  description = "Prefix of every object this module creates (the volume is NAME-registry-data)."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]{0,40}$", var.name))
    error_message = "name must be 1-41 characters of a-z, 0-9, '_', '.', '-' and start with a letter or digit."
  }
}

variable "backend" {
  description = "Where the registry keeps blobs and manifests: \"filesystem\" (a Docker volume shared by every replica) or \"s3\" (any S3-compatible store; nothing is created)."
  type        = string
  default     = "filesystem"
  validation {
    condition     = contains(["filesystem", "s3"], var.backend)
    error_message = "backend must be \"filesystem\" or \"s3\"."
  }
}

variable "existing_volume" {
  description = "Name of a volume created outside Terraform to use instead of a managed one (filesystem backend). Its data survives `terraform destroy`; a managed volume does not."
  type        = string
  default     = null
  validation {
    condition     = var.existing_volume == null || can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]+$", coalesce(var.existing_volume, "x")))
    error_message = "existing_volume must be a Docker volume name."
  }
}

variable "s3" {
  description = "S3 settings passed through to the registry's storage.s3 section (backend = \"s3\"). The access and secret keys may be null to use the instance's role."
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
  validation {
    condition     = var.s3 == null || try(length(var.s3.bucket) > 0 && length(var.s3.region) > 0, false)
    error_message = "s3.bucket and s3.region must not be empty."
  }
}

variable "delete_enabled" {
  description = "Let the registry delete manifests (storage.delete.enabled), which Dockmaster's API deletes need."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels put on everything this module creates."
  type        = map(string)
  default     = {}
}
