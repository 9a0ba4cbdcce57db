# ID: the robot name, with or without robot$ (the secret is not imported)
terraform import dockmaster_robot_account.ci payments-ci
