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
