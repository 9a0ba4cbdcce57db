#!/usr/bin/env bash
# examples/rbac through the dockmaster/dockmaster provider on top of this
# stack (make stack-rbac, make stack-rbac-destroy):
#   rbac.sh apply   PROVIDER_MIRROR   copy examples/rbac into .rbac/ and apply it there
#   rbac.sh destroy PROVIDER_MIRROR   destroy what apply made
#   rbac.sh forget                    drop .rbac's state (the stack's database is going away)
# The provider settings come from the stack's provider_config output (endpoint
# through the LB over TLS, admin, CA); the provider is the one `make install`
# put in PROVIDER_MIRROR, read through a CLI config of its own. The users'
# initial password is generated once into .rbac/initial-password.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$here/.rbac
action=${1:?usage: rbac.sh apply|destroy PROVIDER_MIRROR | rbac.sh forget}

if [[ $action == forget ]]; then
  if compgen -G "$work/terraform.tfstate*" >/dev/null; then
    rm -f "$work"/terraform.tfstate*
    echo "rbac.sh: dropped the state of examples/rbac in $work (its objects lived in the stack's database)"
  fi
  exit 0
fi
mirror=${2:?usage: rbac.sh $action PROVIDER_MIRROR}
command -v jq >/dev/null || { echo "rbac.sh: jq not found (apt-get install jq)" >&2; exit 1; }

# The stack's outputs (its own CLI config: the kreuzwerker/docker mirror).
cfg=$(cd "$here" && TF_CLI_CONFIG_FILE=$("$root/images/tf-mirror.sh") terraform output -json provider_config) || {
  echo "rbac.sh: no provider_config output in $here: run make stack first" >&2; exit 1; }
registry=$(cd "$here" && TF_CLI_CONFIG_FILE=$("$root/images/tf-mirror.sh") terraform output -raw registry)

mkdir -p "$work"
cp "$root"/examples/rbac/*.tf "$work/"
if [[ ! -s $work/initial-password ]]; then
  (umask 077 && echo "rbac-$(openssl rand -hex 12)" >"$work/initial-password")
fi
cat >"$work/cli.tfrc" <<CONF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/dockmaster/dockmaster"]
  }
  direct {
    exclude = ["registry.terraform.io/dockmaster/dockmaster"]
  }
}
CONF

export TF_CLI_CONFIG_FILE=$work/cli.tfrc TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR
DOCKMASTER_ENDPOINT=$(jq -r .endpoint <<<"$cfg")
DOCKMASTER_USERNAME=$(jq -r .username <<<"$cfg")
DOCKMASTER_PASSWORD=$(jq -r .password <<<"$cfg")
DOCKMASTER_CA_PEM=$(jq -r .ca_pem <<<"$cfg")
TF_VAR_initial_password=$(cat "$work/initial-password")
TF_VAR_registry=$registry
export DOCKMASTER_ENDPOINT DOCKMASTER_USERNAME DOCKMASTER_PASSWORD DOCKMASTER_CA_PEM TF_VAR_initial_password TF_VAR_registry
cd "$work"
# -upgrade: make install may have rebuilt the same version with other checksums.
terraform init -upgrade -input=false >/dev/null
case $action in
  apply)
    terraform apply -input=false -auto-approve >/dev/null
    echo
    echo "examples/rbac applied on $DOCKMASTER_ENDPOINT (state in $work)"
    echo "users alice, bob, carol, dave, erin; initial password: $work/initial-password"
    echo "CI robot: $(terraform output -raw robot_username), may push to $(terraform output -raw robot_namespace)/ only"
    echo "robot login: (cd $work && $(terraform output -raw docker_login))"
    ;;
  destroy)
    terraform destroy -input=false -auto-approve
    ;;
  *)
    echo "rbac.sh: unknown action $action" >&2; exit 2 ;;
esac
