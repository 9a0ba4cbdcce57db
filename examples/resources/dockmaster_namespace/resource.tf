resource "dockmaster_namespace" "payments" {
  name        = "payments"
  team        = dockmaster_team.payments.name
  visibility  = "protected" # public | protected | private
  description = "Images of the payment services"
}
