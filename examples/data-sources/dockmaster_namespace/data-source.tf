data "dockmaster_namespace" "payments" {
  name = "payments"
}
