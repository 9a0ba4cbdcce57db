# A singleton: unset attributes keep the server's values; destroy leaves them as they are.
resource "dockmaster_settings" "this" {
  push_policy             = "allow-teams"
  anonymous_pull          = false
  delete_enabled          = true
  contributors_may_delete = false
  token_lifetime_seconds  = 300
}
