# ID: namespace/kind/name, kind one of user, team, robot
terraform import dockmaster_permission.qa_pulls payments/team/qa
terraform import dockmaster_permission.ada_owns payments/user/ada
