terraform {
  required_version = ">= 1.11"
  required_providers {
    dockmaster = {
      source = "dockmaster/dockmaster"
    }
  }
}

# Endpoint and credentials come from DOCKMASTER_ENDPOINT and DOCKMASTER_TOKEN
# (or DOCKMASTER_USERNAME and DOCKMASTER_PASSWORD): an admin's.
provider "dockmaster" {}
