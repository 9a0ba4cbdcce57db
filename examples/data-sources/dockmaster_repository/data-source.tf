data "dockmaster_repository" "api" {
  name = "payments/api"
}

output "api_latest_digest" {
  value = one([for t in data.dockmaster_repository.api.tags : t.digest if t.name == "latest"])
}
