# ID: team/username
terraform import dockmaster_team_member.ada payments/ada
