data "dockmaster_me" "me" {}

output "whoami" {
  value = "${data.dockmaster_me.me.kind} ${data.dockmaster_me.me.name}"
}
