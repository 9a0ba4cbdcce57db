#!/usr/bin/env bash
# Make sure the kreuzwerker/docker Terraform provider is in a filesystem
# mirror under the cache, building it from the Go module proxy once (the public
# Terraform registry is out of reach), and write a CLI config that uses it.
# Prints the CLI config's path: TF_CLI_CONFIG_FILE=$(images/tf-mirror.sh).
set -euo pipefail
CACHE=${DOCKMASTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dockmaster}
KW_VERSION=4.6.0
KW_MODULE=github.com/kreuzwerker/terraform-provider-docker
KW_PSEUDO=v0.0.0-20260916201441-96d331c98ff4   # v4.6.0 + later commits, as proven here
MIRROR=$CACHE/terraform-mirror
DEST=$MIRROR/registry.terraform.io/kreuzwerker/docker/$KW_VERSION/linux_amd64
BIN=$DEST/terraform-provider-docker_v$KW_VERSION
CONF=$MIRROR/cli-$KW_VERSION.tfrc

if [[ ! -x $BIN ]]; then
  command -v go >/dev/null || { echo "tf-mirror: go not found; it builds the kreuzwerker/docker provider" >&2; exit 1; }
  mkdir -p "$DEST"
  exec 9>"$MIRROR/.build.lock"; flock 9
  if [[ ! -x $BIN ]]; then
    echo "tf-mirror: building kreuzwerker/docker $KW_VERSION from the Go module proxy (about 6-8 minutes, once)" >&2
    start=$SECONDS
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
    # Outside any module, so that no go.mod or go.sum is touched.
    dir=$(cd "$work" && GOWORK=off GOFLAGS= go mod download -json "$KW_MODULE@$KW_PSEUDO" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [[ -d $dir ]] || { echo "tf-mirror: go mod download $KW_MODULE@$KW_PSEUDO gave no directory" >&2; exit 1; }
    cp -r "$dir/." "$work/src"; chmod -R u+w "$work/src"
    (cd "$work/src" && GOWORK=off GOFLAGS= go build -trimpath -ldflags "-s -w -X main.version=$KW_VERSION" -o "$work/bin" .)
    mv "$work/bin" "$BIN"
    echo "tf-mirror: built in $((SECONDS - start))s: $BIN" >&2
  fi
fi
cat >"$CONF.tmp" <<CONF
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/kreuzwerker/docker"]
  }
  direct {
    exclude = ["registry.terraform.io/kreuzwerker/docker"]
  }
}
CONF
mv "$CONF.tmp" "$CONF"
echo "$CONF"
