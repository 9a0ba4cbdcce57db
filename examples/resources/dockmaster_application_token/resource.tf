# Not importable: the server shows a token's secret only once.
resource "dockmaster_application_token" "deploy" {
  username   = "ada"
  name       = "deploy"
  expires_at = "2030-01-01T00:00:00Z"
}
