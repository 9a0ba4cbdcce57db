#!/bin/bash
# First start: initdb with the superuser and password from the environment
# (POSTGRES_USER, POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE) and create
# POSTGRES_DB; then run the server, reachable with scram-sha-256 passwords.
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
if [[ -n ${POSTGRES_PASSWORD_FILE:-} ]]; then POSTGRES_PASSWORD=$(<"$POSTGRES_PASSWORD_FILE"); fi
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  if [[ -z ${POSTGRES_PASSWORD:-} ]]; then echo "dm-postgres: POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE is required" >&2; exit 1; fi
  pw=$(mktemp); trap 'rm -f "$pw"' EXIT
  printf '%s' "$POSTGRES_PASSWORD" >"$pw"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pw" --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pw"
  cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '*'
unix_socket_directories = '/run/postgresql'
max_connections = ${POSTGRES_MAX_CONNECTIONS:-200}
CONF
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [[ $db != postgres ]]; then
    echo "CREATE DATABASE \"$db\" OWNER \"$user\";" | postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
  echo "dm-postgres: initialised $PGDATA (user $user, database $db)"
fi
exec postgres -D "$PGDATA"
