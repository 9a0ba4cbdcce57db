variable "name" {
  description = "Prefix of the stack's containers, volumes and network."
  type        = string
  default     = "dmlocal"
}

variable "docker_host" {
  description = "The Docker API to build the stack on."
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "tls_dir" {
  description = "Directory holding ca.pem, cert.pem and key.pem (gen-tls.sh writes them; `make stack` runs it)."
  type        = string
  default     = ".tls"
}

variable "publish_port" {
  description = "Port of the registry on 127.0.0.1."
  type        = number
  default     = 5443
}

variable "images" {
  description = "Images of the components (defaults: the tags `make images` builds)."
  type        = map(string)
  default     = {}
}

variable "labels" {
  description = "Extra labels on everything the stack creates."
  type        = map(string)
  default     = {}
}

variable "sync_every" {
  description = "Period of the cron sync."
  type        = string
  default     = "1m"
}

variable "auth_extra_env" {
  description = "More DOCKMASTER_* settings for the auth replicas."
  type        = map(string)
  default     = {}
}
