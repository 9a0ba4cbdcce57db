resource "dockmaster_robot_account" "ci" {
  name        = "payments-ci"
  team        = dockmaster_team.payments.name
  description = "CI pushes to payments"
  expires_at  = "2030-01-01T00:00:00Z"

  access = [
    { namespace = dockmaster_namespace.payments.name, role = "contributor" },
  ]

  rotation = "2026-12" # change to rotate the secret in place
}

output "ci_login" {
  value = "docker login dockmaster.example.com -u '${dockmaster_robot_account.ci.full_name}' --password-stdin"
}
