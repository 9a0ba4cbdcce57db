terraform {
  required_providers {
    dockmaster = {
      source = "dockmaster/dockmaster"
    }
  }
}

# Credentials are best left to the environment:
#   DOCKMASTER_ENDPOINT, DOCKMASTER_TOKEN (or DOCKMASTER_USERNAME + DOCKMASTER_PASSWORD)
provider "dockmaster" {
  endpoint = "https://dockmaster.example.com"
  timeout  = "30s"
}
