#!/usr/bin/env bash
# Starts Hongyan together with a local sandbox XMPP server, so the app can be tried with no
# account anywhere. The server (Prosody) listens on 127.0.0.1 only, with open registration and
# its data in .dev/sandbox; it keeps the same port from one run to the next, and it stops when
# the last window that uses it exits (a second `make run` joins the running server). Its
# certificate comes from a local development CA that only these app processes trust (through
# SSL_CERT_FILE).
#
# Usage: src-tauri/sandbox/run.sh <path to the hongyan binary> [arguments for the app …]
# HONGYAN_DEV_DIR chooses another folder than .dev (the tests use a temporary one).
set -euo pipefail

# The server's keeper (started below, in its own session): waits until no window holds
# users.lock, then stops the server. Windows hold the lock for as long as their process lives,
# so even a window that is killed outright lets the server go.
if [ "${1:-}" = "--keeper" ]; then
  dir=$2
  exec 8>"$dir/start.lock" 9>"$dir/users.lock"
  while true; do
    flock -x 9 && flock -u 9
    flock -x 8
    if flock -n -x 9; then
      pid=$(cat "$dir/server.pid" 2>/dev/null || true)
      if [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$dir/prosody.cfg.lua"; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        echo "Sandbox server stopped (its data stays in $dir)"
      fi
      rm -f "$dir/server.pid" "$dir/keeper.pid"
      exit 0
    fi
    flock -u 8
  done
fi

app=${1:?usage: run.sh <hongyan binary> [app arguments]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
dev=${HONGYAN_DEV_DIR:-$root/.dev}
dir="$dev/sandbox"
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

port_file="$dir/server.port"
pid_file="$dir/server.pid"

accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
server_alive() {
  [ -s "$pid_file" ] || return 1
  local pid; pid=$(cat "$pid_file")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "$dir/prosody.cfg.lua"
}

# Every window holds a shared lock on users.lock while its process lives; starting the server
# and deciding to stop it happen under start.lock, so a window that opens while the last one
# closes never finds the server gone.
exec 8>"$dir/start.lock" 9>"$dir/users.lock"
flock -x 8
flock -s 9
if server_alive && port=$(cat "$port_file") && accepts "$port"; then
  echo "Sandbox server already running: localhost on 127.0.0.1:$port"
else
  # The same port as last time when it is free, so the address the sandbox has stays put.
  port=$(cat "$port_file" 2>/dev/null || true)
  if ! [[ "$port" =~ ^[0-9]+$ ]] || ! port_free "$port"; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  fi
  sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" "$root/src-tauri/sandbox/prosody.cfg.lua.in" > "$dir/prosody.cfg.lua"
  # Its own session: Ctrl-C in the terminal that started it does not take it down with that
  # window while another window still uses it.
  setsid prosody -F --config "$dir/prosody.cfg.lua" > "$dir/console.log" 2>&1 < /dev/null 8>&- 9>&- &
  server=$!
  for _ in $(seq 1 100); do
    if accepts "$port"; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then
      echo "The sandbox server did not start; see $dir/prosody.log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "$port" > "$port_file"
  echo "$server" > "$pid_file"
  echo "Sandbox server: localhost on 127.0.0.1:$port (data in $dir)"
fi
keeper=$(cat "$dir/keeper.pid" 2>/dev/null || true)
if ! { [ -n "$keeper" ] && tr '\0' ' ' < "/proc/$keeper/cmdline" 2>/dev/null | grep -q -- "--keeper $dir"; }; then
  setsid "$0" --keeper "$dir" >> "$dir/console.log" 2>&1 < /dev/null 8>&- 9>&- &
  echo $! > "$dir/keeper.pid"
fi
flock -u 8
exec 8>&-

# The app's own data (accounts, history, settings) also stays in .dev, never in your real
# profile. Hongyan runs once per data folder, so each further `make run` takes the next free one.
n=1
while [ -e "$dev/app-$n/instance.lock" ] && ! flock -n "$dev/app-$n/instance.lock" true; do
  n=$((n + 1))
done
echo "App data: $dev/app-$n"

# The sandbox is named by its domain: accounts on `localhost` go to whatever port it has today.
# The app takes this shell's place and keeps its hold on users.lock until it exits.
export HONGYAN_DATA_DIR="$dev/app-$n" HONGYAN_SANDBOX="localhost,127.0.0.1,$port" \
  SSL_CERT_FILE="$dir/ca-bundle.pem"
exec "$app" "$@"
