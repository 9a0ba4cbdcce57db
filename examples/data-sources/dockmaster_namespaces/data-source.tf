data "dockmaster_namespaces" "all" {}

output "public_namespaces" {
  value = [for n in data.dockmaster_namespaces.all.namespaces : n.name if n.visibility == "public"]
}
