#!/usr/bin/env bash
# Local services for development and tests: PostgreSQL 15 (its own cluster, not the system one), Azurite's blob
# service and a SoftHSM2 token. Everything lives under infra/local/.state (git-ignored).
#
#   infra/local/services.sh install   install what is missing (apt, npm)
#   infra/local/services.sh start     install if needed, then start all three (idempotent)
#   infra/local/services.sh stop      stop them
#   infra/local/services.sh status    one line per service
#   infra/local/services.sh env       print the environment the host and tests use (sourceable)
#
# Ports (override with the environment): VBI_PG_PORT (55432), VBI_AZURITE_PORT (10000).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${VBI_LOCAL_STATE:-$here/.state}"
tools="$here/.tools"
pg_port="${VBI_PG_PORT:-55432}"
azurite_port="${VBI_AZURITE_PORT:-10000}"
azurite_version="3.35.0"   # the last release whose engines field accepts Node 20
pg_bin="/usr/lib/postgresql/15/bin"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" -ne 0 ]; then die "need root to install ${missing[*]} (apt-get)"; fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

cmd_install() {
  apt_install postgresql-15 softhsm2 opensc dmtx-utils zxing-cpp-tools poppler-utils fonts-dejavu-core openssl
  if [ ! -x "$tools/node_modules/.bin/azurite-blob" ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing azurite@$azurite_version"
    mkdir -p "$tools"
    (cd "$tools" && npm install --silent --no-audit --no-fund --prefix "$tools" "azurite@$azurite_version" >/dev/null 2>&1) \
      || die "npm install azurite@$azurite_version failed"
  fi
}

# ---------- PostgreSQL ----------
pg_data="$state/pg/data"
pg_sock="$state/pg/run"
pg_pwfile="$state/pg/password"

pg_running() { [ -f "$pg_data/postmaster.pid" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; }

pg_start() {
  if pg_running; then log "postgresql already running on 127.0.0.1:$pg_port"; return 0; fi
  if port_taken "$pg_port"; then die "port $pg_port is already taken by another process; set VBI_PG_PORT to a free port"; fi
  mkdir -p "$state/pg" "$pg_sock"
  if [ ! -s "$pg_pwfile" ]; then
    umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$pg_pwfile"; umask 022
  fi
  chown -R postgres:postgres "$state/pg"
  chmod 700 "$state/pg"
  # postgres must be able to reach its directory
  local d="$state"; while [ "$d" != "/" ]; do chmod o+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    log "initialising a PostgreSQL 15 cluster in $pg_data"
    runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile="$pg_pwfile" -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$pg_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_sock'
max_connections = 300
shared_buffers = 256MB
wal_level = replica
max_wal_senders = 5
fsync = on
synchronous_commit = on
log_min_messages = warning
CONF
    printf 'host replication postgres 127.0.0.1/32 scram-sha-256\n' >> "$pg_data/pg_hba.conf"
  fi
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$state/pg/server.log" -w -t 60 start >/dev/null \
    || { tail -20 "$state/pg/server.log" >&2; die "postgresql failed to start (log: $state/pg/server.log)"; }
  for db in vbi_postal vbi_module vbi_commerce vbi_membership; do
    runuser -u postgres -- psql -h "$pg_sock" -p "$pg_port" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
      || runuser -u postgres -- psql -h "$pg_sock" -p "$pg_port" -d postgres -qc "CREATE DATABASE $db" >/dev/null
  done
  log "postgresql running on 127.0.0.1:$pg_port"
}

pg_stop() {
  if pg_running; then runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null; log "postgresql stopped"; fi
}

# ---------- Azurite (blob only) ----------
az_dir="$state/azurite"
az_pid="$az_dir/azurite.pid"

az_running() { [ -f "$az_pid" ] && kill -0 "$(cat "$az_pid")" 2>/dev/null; }

az_start() {
  if az_running; then log "azurite already running on 127.0.0.1:$azurite_port"; return 0; fi
  if port_taken "$azurite_port"; then die "port $azurite_port is already taken by another process; set VBI_AZURITE_PORT to a free port"; fi
  mkdir -p "$az_dir/data"
  setsid "$tools/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$azurite_port" \
    --location "$az_dir/data" --skipApiVersionCheck --disableTelemetry --silent \
    >"$az_dir/azurite.log" 2>&1 < /dev/null &
  echo $! > "$az_pid"
  for _ in $(seq 1 100); do port_taken "$azurite_port" && break; sleep 0.1; done
  port_taken "$azurite_port" || { cat "$az_dir/azurite.log" >&2; die "azurite failed to start"; }
  log "azurite blob service running on 127.0.0.1:$azurite_port"
}

az_stop() {
  if az_running; then kill "$(cat "$az_pid")" 2>/dev/null || true; rm -f "$az_pid"; log "azurite stopped"; fi
}

# ---------- SoftHSM2 ----------
hsm_dir="$state/softhsm"
hsm_conf="$hsm_dir/softhsm2.conf"

hsm_start() {
  mkdir -p "$hsm_dir/tokens"
  chmod 700 "$hsm_dir"
  if [ ! -f "$hsm_conf" ]; then
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$hsm_dir/tokens" > "$hsm_conf"
  fi
  if [ ! -s "$hsm_dir/user-pin" ]; then
    umask 077
    head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$hsm_dir/user-pin"
    head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$hsm_dir/so-pin"
    umask 022
  fi
  if ! SOFTHSM2_CONF="$hsm_conf" softhsm2-util --show-slots 2>/dev/null | grep -q 'Label:.*vbi-local'; then
    SOFTHSM2_CONF="$hsm_conf" softhsm2-util --init-token --free --label vbi-local \
      --so-pin "$(cat "$hsm_dir/so-pin")" --pin "$(cat "$hsm_dir/user-pin")" >/dev/null
    log "softhsm2 token 'vbi-local' initialised"
  else
    log "softhsm2 token 'vbi-local' ready"
  fi
}

softhsm_module() {
  for p in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do [ -f "$p" ] && { echo "$p"; return; }; done
}

cmd_env() {
  local pw; pw="$(cat "$pg_pwfile" 2>/dev/null || true)"
  local base="Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=$pw"
  cat <<ENV
export VBI_PG_PORT=$pg_port
export VBI_PG_BIN=$pg_bin
export VBI_PG_SOCKET=$pg_sock
export VBI_PG_BASE='$base'
export ConnectionStrings__postal='$base;Database=vbi_postal'
export ConnectionStrings__module='$base;Database=vbi_module'
export ConnectionStrings__commerce='$base;Database=vbi_commerce'
export ConnectionStrings__membership='$base;Database=vbi_membership'
export VBI_AZURITE_PORT=$azurite_port
export ConnectionStrings__archive='DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$azurite_port/devstoreaccount1;'
export SOFTHSM2_CONF=$hsm_conf
export VBI_SOFTHSM_MODULE=$(softhsm_module)
export VBI_SOFTHSM_TOKEN=vbi-local
export VBI_SOFTHSM_PIN_FILE=$hsm_dir/user-pin
ENV
}

case "${1:-}" in
  install) cmd_install ;;
  start)   cmd_install; mkdir -p "$state"; pg_start; az_start; hsm_start; cmd_env > "$state/env"; log "environment written to $state/env" ;;
  stop)    az_stop; pg_stop ;;
  status)  pg_running && echo "postgresql: running on 127.0.0.1:$pg_port" || echo "postgresql: stopped"
           az_running && echo "azurite: running on 127.0.0.1:$azurite_port" || echo "azurite: stopped"
           [ -f "$hsm_conf" ] && echo "softhsm2: token dir $hsm_dir/tokens" || echo "softhsm2: not initialised" ;;
  env)     cmd_env ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac
