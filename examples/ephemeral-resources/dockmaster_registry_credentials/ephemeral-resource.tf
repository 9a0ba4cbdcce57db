# Short-lived credentials, never in plan or state, revoked when the run ends.
ephemeral "dockmaster_registry_credentials" "push" {
  ttl = "15m"
}

provider "docker" {
  registry_auth {
    address  = "registry.example.com"
    username = ephemeral.dockmaster_registry_credentials.push.username
    password = ephemeral.dockmaster_registry_credentials.push.password
  }
}
