data "dockmaster_repositories" "payments" {
  namespace = "payments"
}
