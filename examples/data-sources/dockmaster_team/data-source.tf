data "dockmaster_team" "payments" {
  name = "payments"
}

output "payments_owners" {
  value = [for m in data.dockmaster_team.payments.members : m.username if m.role == "owner"]
}
