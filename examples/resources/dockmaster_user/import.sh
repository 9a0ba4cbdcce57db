terraform import dockmaster_user.ada ada
