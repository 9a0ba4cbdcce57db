#!/usr/bin/env bash
# gen-tls.sh DIR: a throw-away CA and a server certificate for localhost and
# 127.0.0.1 (ECDSA P-256, 30 days), written as DIR/{ca.pem,cert.pem,key.pem}.
# Existing files are kept. Needs openssl.
set -euo pipefail
dir=${1:-.tls}
command -v openssl >/dev/null || { echo "gen-tls.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
[[ -s $dir/ca.pem && -s $dir/cert.pem && -s $dir/key.pem ]] && exit 0
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=Dockmaster local CA" -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$dir/key.pem" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$dir/ext.cnf"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
  -days 30 -extfile "$dir/ext.cnf" -out "$dir/cert.pem" 2>/dev/null
rm -f "$dir/server.csr" "$dir/ext.cnf" "$dir/ca.srl"
chmod 0644 "$dir/ca.pem" "$dir/cert.pem"
echo "gen-tls.sh: CA and certificate for localhost in $dir" >&2
