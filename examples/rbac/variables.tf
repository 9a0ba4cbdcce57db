variable "registry" {
  description = "host:port of the registry, for the docker login line."
  type        = string
  default     = "localhost:5000"
}

variable "initial_password" {
  description = "First password of the users made here (write-only: never in plan or state). They change it themselves."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "application_token_user" {
  description = "One of the users made here to give an application token (a password for `docker login` and a Bearer token for the API, acting as that user), e.g. \"dave\"; null (the default) makes none."
  type        = string
  default     = null

  validation {
    condition     = var.application_token_user == null || contains(["alice", "bob", "carol", "dave", "erin"], coalesce(var.application_token_user, "-"))
    error_message = "application_token_user must be one of the users of this example: alice, bob, carol, dave, erin."
  }
}
