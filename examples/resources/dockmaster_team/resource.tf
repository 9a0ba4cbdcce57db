resource "dockmaster_team" "payments" {
  name        = "payments"
  description = "The payments squad"
}
