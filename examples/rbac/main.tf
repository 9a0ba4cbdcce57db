# RBAC as code: two teams with owners and members, three namespaces of
# different visibility, grants to a user and a team, and a CI robot that may
# push to one namespace only.

locals {
  users = {
    alice = "Alice (platform owner)"
    bob   = "Bob (platform)"
    carol = "Carol (payments owner)"
    dave  = "Dave (payments)"
    erin  = "Erin (auditor)"
  }
  members = {
    "platform/alice" = "owner"
    "platform/bob"   = "contributor"
    "payments/carol" = "owner"
    "payments/dave"  = "contributor"
  }
}

resource "dockmaster_user" "this" {
  for_each = local.users

  username            = each.key
  display_name        = each.value
  email               = "${each.key}@example.com"
  password_wo         = var.initial_password
  password_wo_version = 1
}

resource "dockmaster_team" "platform" {
  name        = "platform"
  description = "Base images and tooling"
}

resource "dockmaster_team" "payments" {
  name        = "payments"
  description = "Payment services"
}

resource "dockmaster_team_member" "this" {
  for_each = local.members

  team     = split("/", each.key)[0] == "platform" ? dockmaster_team.platform.name : dockmaster_team.payments.name
  username = dockmaster_user.this[split("/", each.key)[1]].username
  role     = each.value
}

# Anyone may pull the base images, even anonymously.
resource "dockmaster_namespace" "base" {
  name        = "base"
  team        = dockmaster_team.platform.name
  visibility  = "public"
  description = "Base images"
}

# Every signed-in user may pull the shared tools.
resource "dockmaster_namespace" "tools" {
  name        = "tools"
  team        = dockmaster_team.platform.name
  visibility  = "protected"
  description = "Shared tooling"
}

# Only payments (and the grants below) see the services.
resource "dockmaster_namespace" "payments" {
  name        = "payments"
  team        = dockmaster_team.payments.name
  visibility  = "private"
  description = "Payment services"
}

# The platform team may pull payments' images (to rebuild them on new bases).
resource "dockmaster_permission" "platform_reads_payments" {
  namespace = dockmaster_namespace.payments.name
  team      = dockmaster_team.platform.name
  role      = "viewer"
}

# Erin audits payments.
resource "dockmaster_permission" "erin_reads_payments" {
  namespace = dockmaster_namespace.payments.name
  user      = dockmaster_user.this["erin"].username
  role      = "viewer"
}

# CI pushes to payments and nowhere else.
resource "dockmaster_robot_account" "ci" {
  name        = "payments-ci"
  team        = dockmaster_team.payments.name
  description = "CI of the payment services"
  access = [
    { namespace = dockmaster_namespace.payments.name, role = "contributor" },
  ]
}

# Optional: an application token for one of the users (var.application_token_user).
resource "dockmaster_application_token" "this" {
  count = var.application_token_user == null ? 0 : 1

  username = dockmaster_user.this[var.application_token_user].username
  name     = "laptop"
}
