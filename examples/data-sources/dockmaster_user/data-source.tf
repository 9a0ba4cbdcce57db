data "dockmaster_user" "ada" {
  username = "ada"
}
