#!/usr/bin/env bash
# Build every image the stack needs, on the local engine, with nothing pulled:
#   dockmaster/debian-base  debootstrap --variant=minbase of Debian bookworm + docker import
#   dockmaster/postgres, dockmaster/redis, dockmaster/nginx   small Dockerfiles on that base
#   dockmaster/registry     FROM scratch: distribution v3 (static, from the Go module proxy) + dmhelper
#   dockmaster/dockmaster   FROM scratch: ./authserver (CGO_ENABLED=0) + dmhelper
# Each image is tagged by version (and, for what is built from this tree, by a
# hash of its sources); an existing tag is reused (docker image inspect) and
# only the moving default tag that modules use is (re)pointed at it.
# Prints "name=tag" lines on stdout (the exact tags built); logs go to stderr.
# --tfvars FILE also writes {"images": {...}} for examples/stacks/local.
set -euo pipefail
tfvars=
if [[ ${1:-} == --tfvars ]]; then tfvars=$2; fi
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${DOCKMASTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dockmaster}
SUITE=bookworm
BASE_VERSION=v1        # bump when BASE_PACKAGES change
BASE_PACKAGES=postgresql-15,redis-server,nginx,curl,ca-certificates
REGISTRY_VERSION=v3.1.2
DEBIAN_MIRROR=${DEBIAN_MIRROR:-}   # empty: debootstrap's default Debian mirror
LABEL_ARGS=(--label org.dockmaster.built-by=images/build.sh)
export DOCKER_BUILDKIT=0   # the classic builder uses local base images and never pulls

log() { echo "images: $*" >&2; }
need() { command -v "$1" >/dev/null || { echo "images: $1 not found: $2" >&2; exit 1; }; }
need docker "install the Docker engine and CLI"
need go "install Go >= 1.26"
docker info >/dev/null 2>&1 || { echo "images: the Docker engine does not answer (docker info)" >&2; exit 1; }
have() { docker image inspect "$1" >/dev/null 2>&1; }
alias_tag() { # alias_tag VERSIONED DEFAULT
  [[ $1 == "$2" ]] || docker tag "$1" "$2"
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

static_go() { # static_go OUT PKG [LDFLAGS]
  CGO_ENABLED=0 GOFLAGS=-trimpath go build -ldflags "-s -w ${3:-}" -o "$1" "$2"
}
srchash() { # hash of the files that make a Go image
  (cd "$ROOT" && find "$@" -type f \( -name '*.go' -o -name '*.sql' -o -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.tmpl' -o -name 'Dockerfile' -o -name 'go.mod' -o -name 'go.sum' \) -not -name '*_test.go' -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
}

REG=dockmaster/registry:$REGISTRY_VERSION-$(srchash images/registry images/dmhelper)
DM=dockmaster/dockmaster:src-$(srchash authserver internal images/dockmaster images/dmhelper go.mod go.sum)

# --- Go binaries: compiled in the background while debootstrap waits on the network
gopid=
if ! have "$REG" || ! have "$DM"; then
  (
    static_go "$tmp/dmhelper" ./images/dmhelper
    if ! have "$DM"; then
      version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
      log "compile dockmaster $version (static)"
      mkdir -p "$tmp/dockmaster/data"
      static_go "$tmp/dockmaster/dockmaster" ./authserver "-X main.version=$version"
    fi
  ) &
  gopid=$!
fi

# --- the registry binary: built in the background while debootstrap runs ------
regbin=$CACHE/bin/registry-$REGISTRY_VERSION   # the same cache internal/registryproc uses
regpid=
if [[ ! -x $regbin ]]; then
  (
    log "go install registry@$REGISTRY_VERSION (static; 2-5 minutes, once)"
    mkdir -p "$CACHE/bin"; work=$(mktemp -d "$CACHE/bin/.build-registry-XXXX")
    cd "$work" && GOBIN=$work GOWORK=off GOFLAGS= CGO_ENABLED=0 go install "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION" >&2
    mv "$work/registry" "$regbin"; rm -rf "$work"
  ) &
  regpid=$!
fi

# --- Debian base ------------------------------------------------------------
BASE=dockmaster/debian-base:$SUITE-$BASE_VERSION
if ! have "$BASE"; then
  need debootstrap "apt-get install debootstrap (.ci/run does)"
  rootfs=$CACHE/rootfs/$SUITE-$BASE_VERSION
  if [[ ! -e $rootfs/.complete ]]; then
    log "debootstrap $SUITE ($BASE_PACKAGES) into $rootfs (1-3 minutes, once)"
    rm -rf "$rootfs"; mkdir -p "$(dirname "$rootfs")"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >&2
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
    touch "$rootfs/.complete"
  fi
  log "docker import $BASE"
  tar -C "$rootfs" --exclude=./.complete -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'LABEL org.dockmaster.built-by=images/build.sh' - "$BASE" >/dev/null
fi
echo "debian-base=$BASE"

debian_image() { # debian_image NAME VERSION
  local tag=dockmaster/$1:$2-$SUITE-$BASE_VERSION-$(srchash "images/$1")
  if ! have "$tag"; then
    log "build $tag"
    docker build -q --build-arg BASE="$BASE" "${LABEL_ARGS[@]}" -t "$tag" "images/$1" >/dev/null
  fi
  alias_tag "$tag" "dockmaster/$1:$2"
  echo "$1=$tag"
}
PG=$(debian_image postgres 15); echo "$PG"; PG=${PG#*=}
RD=$(debian_image redis 7); echo "$RD"; RD=${RD#*=}
NG=$(debian_image nginx 1.22); echo "$NG"; NG=${NG#*=}

[[ -z $gopid ]] || wait "$gopid" || { echo "images: compiling dockmaster or dmhelper failed" >&2; exit 1; }
[[ -z $regpid ]] || wait "$regpid" || { echo "images: building the registry failed" >&2; exit 1; }

# --- registry ----------------------------------------------------------------
if ! have "$REG"; then
  # A cgo build cannot run FROM scratch: refuse it rather than ship it.
  if go version -m "$regbin" | grep -q 'CGO_ENABLED=1'; then
    echo "images: $regbin was built with cgo; delete it so it is rebuilt static" >&2; exit 1
  fi
  mkdir "$tmp/registry"; cp "$regbin" "$tmp/registry/registry"; cp "$tmp/dmhelper" images/registry/Dockerfile "$tmp/registry/"
  log "build $REG"
  docker build -q "${LABEL_ARGS[@]}" -t "$REG" "$tmp/registry" >/dev/null
fi
alias_tag "$REG" "dockmaster/registry:$REGISTRY_VERSION"
echo "registry=$REG"

# --- dockmaster --------------------------------------------------------------
if ! have "$DM"; then
  log "build $DM"
  cp "$tmp/dmhelper" images/dockmaster/Dockerfile "$tmp/dockmaster/"
  docker build -q "${LABEL_ARGS[@]}" -t "$DM" "$tmp/dockmaster" >/dev/null
fi
alias_tag "$DM" dockmaster/dockmaster:local
echo "dockmaster=$DM"

if [[ -n $tfvars ]]; then
  printf '{"images": {"dockmaster": "%s", "registry": "%s", "postgres": "%s", "redis": "%s", "lb": "%s"}}\n' \
    "$DM" "$REG" "$PG" "$RD" "$NG" >"$tfvars"
fi
