#!/bin/bash
# redis-server on all interfaces, no persistence; REDIS_PASSWORD (if set)
# becomes requirepass. "dm-redis ping" is the health check.
set -euo pipefail
if [[ ${1:-} == ping ]]; then
  [[ $(REDISCLI_AUTH=${REDIS_PASSWORD:-} redis-cli -h 127.0.0.1 ping) == PONG ]]
  exit
fi
args=(--bind 0.0.0.0 --protected-mode no --save "" --appendonly no --maxmemory "${REDIS_MAXMEMORY:-256mb}" --maxmemory-policy allkeys-lru)
if [[ -n ${REDIS_PASSWORD:-} ]]; then args+=(--requirepass "$REDIS_PASSWORD"); fi
exec redis-server "${args[@]}" "$@"
