# Exactly one of user, team or robot.
resource "dockmaster_permission" "qa_pulls" {
  namespace = dockmaster_namespace.payments.name
  team      = "qa"
  role      = "viewer"
}

resource "dockmaster_permission" "ada_owns" {
  namespace = dockmaster_namespace.payments.name
  user      = "ada"
  role      = "owner"
}
