variable "ada_password" {
  type      = string
  sensitive = true
  ephemeral = true # write-only: never in plan or state
}

resource "dockmaster_user" "ada" {
  username     = "ada"
  email        = "ada@example.com"
  display_name = "Ada Lovelace"

  password_wo         = var.ada_password
  password_wo_version = 1 # bump to send a new password
}
