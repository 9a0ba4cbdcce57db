resource "dockmaster_team_member" "ada" {
  team     = dockmaster_team.payments.name
  username = dockmaster_user.ada.username
  role     = "contributor" # owner | contributor | viewer
}
