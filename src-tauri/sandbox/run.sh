#!/usr/bin/env bash
# Starts Hongyan together with a local sandbox XMPP server, so the app can be tried with no
# account anywhere. The server (Prosody) listens on 127.0.0.1 only, with open registration and
# its data in .dev/sandbox; it stops when the app exits. Its certificate comes from a local
# development CA that only this app process trusts (through SSL_CERT_FILE).
#
# Usage: src-tauri/sandbox/run.sh <path to the hongyan binary>
set -euo pipefail

app=${1:?usage: run.sh <hongyan binary>}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/.dev/sandbox"
certs="$dir/certs"
mkdir -p "$dir/data" "$certs"

if [ ! -s "$certs/localhost.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Hongyan sandbox CA" \
    -keyout "$certs/ca.key" -out "$certs/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$certs/localhost.key" -out "$certs/localhost.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$certs/ext.cnf"
  openssl x509 -req -in "$certs/localhost.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" \
    -CAcreateserial -days 825 -extfile "$certs/ext.cnf" -out "$certs/localhost.crt" 2>/dev/null
  chmod 644 "$certs/localhost.key"
fi
# The system's roots plus the sandbox CA: real servers keep working in the same session.
cat /etc/ssl/certs/ca-certificates.crt "$certs/ca.crt" > "$dir/ca-bundle.pem" 2>/dev/null \
  || cp "$certs/ca.crt" "$dir/ca-bundle.pem"

# One sandbox server for every `make run`: a second one joins the server the first started, so
# two windows can chat with each other. The first run owns the server and stops it on exit.
port_file="$dir/server.port"
server=""
if [ -s "$port_file" ] && port=$(cat "$port_file") && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "Sandbox server already running: localhost on 127.0.0.1:$port"
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" "$root/src-tauri/sandbox/prosody.cfg.lua.in" > "$dir/prosody.cfg.lua"
  prosody -F --config "$dir/prosody.cfg.lua" > "$dir/console.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then
      echo "The sandbox server did not start; see $dir/prosody.log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "$port" > "$port_file"
  echo "Sandbox server: localhost on 127.0.0.1:$port (data in $dir)"
fi
stop() {
  if [ -n "$server" ]; then
    rm -f "$port_file"
    kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  fi
}
trap stop EXIT INT TERM

# The app's own data (accounts, history, settings) also stays in .dev, never in your real
# profile. Hongyan runs once per data folder, so each further `make run` takes the next free one.
n=1
while [ -e "$root/.dev/app-$n/instance.lock" ] && ! flock -n "$root/.dev/app-$n/instance.lock" true; do
  n=$((n + 1))
done
echo "App data: $root/.dev/app-$n"

HONGYAN_DATA_DIR="$root/.dev/app-$n" HONGYAN_SANDBOX="localhost,127.0.0.1,$port" \
  SSL_CERT_FILE="$dir/ca-bundle.pem" "$app"
