#!/usr/bin/env bash
# Local services for development and tests: PostgreSQL 15 (its own cluster, not the system one), Azurite's blob
# service, a SoftHSM2 token, the payment provider's mock (stripe-stateful-mock, Stripe's API) and an SMTP server
# with an HTTP API to read what it received (maildev), and the postal authority's SFTP server (Debian's OpenSSH with an
# SFTP-only, chrooted account). Everything lives under infra/local/.state (git-ignored).
# The npm tools (and @midlandsbank/node-nacha, the independent NACHA parser the tests use) go to infra/local/.tools.
#
#   infra/local/services.sh install   install what is missing (apt, npm)
#   infra/local/services.sh start     install if needed, then start them all (idempotent)
#   infra/local/services.sh stop      stop them
#   infra/local/services.sh status    one line per service
#   infra/local/services.sh env       print the environment the host and tests use (sourceable)
#   infra/local/services.sh replica-pair start|kill-primary|promote|stop|status|env NAME
#                                     a primary and its streaming standby of their own, for failover tests
#   infra/local/services.sh extra-pg start|stop|kill|status|env NAME
#                                     one more PostgreSQL cluster on a free loopback port (a shard map's databases,
#                                     docs/scaling.md); `stop` stops them all; `kill` stops one at once (as a
#                                     crash) and keeps its data, `start` brings it back
#
# Ports (override with the environment): VBI_PG_PORT (55432), VBI_AZURITE_PORT (10000), VBI_STRIPE_PORT (12111),
# VBI_SMTP_PORT (11025), VBI_MAILDEV_PORT (11080), VBI_SFTP_PORT (12222).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${VBI_LOCAL_STATE:-$here/.state}"
tools="$here/.tools"
pg_port="${VBI_PG_PORT:-55432}"
azurite_port="${VBI_AZURITE_PORT:-10000}"
azurite_version="3.35.0"   # the last release whose engines field accepts Node 20
stripe_mock_version="0.0.16"
maildev_version="3.0.0"
nacha_version="0.4.0"
stripe_port="${VBI_STRIPE_PORT:-12111}"
smtp_port="${VBI_SMTP_PORT:-11025}"
maildev_port="${VBI_MAILDEV_PORT:-11080}"
sftp_port="${VBI_SFTP_PORT:-12222}"
sftp_user="vbi-postal"
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
  apt_install postgresql-15 softhsm2 opensc dmtx-utils zxing-cpp-tools poppler-utils fonts-dejavu-core openssl curl openssh-server
  if [ ! -x "$tools/node_modules/.bin/azurite-blob" ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing azurite@$azurite_version"
    mkdir -p "$tools"
    (cd "$tools" && npm install --silent --no-audit --no-fund --prefix "$tools" "azurite@$azurite_version" >/dev/null 2>&1) \
      || die "npm install azurite@$azurite_version failed"
  fi
  npm_tool stripe-stateful-mock "$stripe_mock_version" node_modules/.bin/stripe-stateful-mock
  npm_tool maildev "$maildev_version" node_modules/.bin/maildev
  npm_tool @midlandsbank/node-nacha "$nacha_version" node_modules/@midlandsbank/node-nacha/package.json
}

# npm_tool PACKAGE VERSION MARKER: installs PACKAGE@VERSION into $tools unless MARKER (a path under it) exists.
npm_tool() {
  [ -e "$tools/$3" ] && return 0
  command -v npm >/dev/null || apt_install nodejs npm
  log "installing $1@$2"
  mkdir -p "$tools"
  (cd "$tools" && npm install --silent --no-audit --no-fund --prefix "$tools" "$1@$2" >/dev/null 2>&1) || die "npm install $1@$2 failed"
}

# ---------- npm servers: the payment provider's mock and maildev ----------
# node_start NAME PORT COMMAND...: runs COMMAND in its own session, its pid in $state/NAME/NAME.pid, and waits for PORT.
node_running() { [ -f "$state/$1/$1.pid" ] && kill -0 "$(cat "$state/$1/$1.pid")" 2>/dev/null; }
node_start() {
  local name="$1" port="$2"; shift 2
  if node_running "$name"; then log "$name already running on 127.0.0.1:$port"; return 0; fi
  if port_taken "$port"; then die "port $port is already taken by another process; choose another with its VBI_*_PORT"; fi
  mkdir -p "$state/$name"
  setsid "$@" >"$state/$name/$name.log" 2>&1 < /dev/null &
  echo $! > "$state/$name/$name.pid"
  for _ in $(seq 1 150); do port_taken "$port" && break; sleep 0.1; done
  port_taken "$port" || { cat "$state/$name/$name.log" >&2; die "$name failed to start"; }
  log "$name running on 127.0.0.1:$port"
}
node_stop() {
  if node_running "$1"; then kill -- "-$(cat "$state/$1/$1.pid")" 2>/dev/null || kill "$(cat "$state/$1/$1.pid")" 2>/dev/null || true; log "$1 stopped"; fi
  rm -f "$state/$1/$1.pid"
}
# stripe-stateful-mock's own command listens on every interface; its library's app is started here on loopback only.
stripe_start() {
  node_start stripe-mock "$stripe_port" node -e \
    'require(process.argv[1]).createExpressApp().listen(+process.argv[2], "127.0.0.1")' \
    "$tools/node_modules/stripe-stateful-mock" "$stripe_port"
}
maildev_start() {
  node_start maildev "$maildev_port" "$tools/node_modules/.bin/maildev" --ip 127.0.0.1 --web-ip 127.0.0.1 --smtp "$smtp_port" --web "$maildev_port" \
    --mail-directory "$state/maildev/mail"
  for _ in $(seq 1 100); do port_taken "$smtp_port" && break; sleep 0.1; done
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

# ---------- SFTP: the postal authority's server ----------
# An sshd of our own (not the system's, which stays off), on loopback, that knows one account: vbi-postal, SFTP only
# (internal-sftp), chrooted to $sftp_dir/root, key authentication only. The chroot must belong to root and be writable
# by no one else; the account writes in root/inbound (files the provider sends) and the tests write the postal
# authority's answers in root/outbound.
sftp_dir="$state/sftp"
sftp_pid="$sftp_dir/sshd.pid"

sftp_running() { [ -f "$sftp_pid" ] && kill -0 "$(cat "$sftp_pid")" 2>/dev/null; }

sftp_start() {
  if sftp_running; then log "sftp already running on 127.0.0.1:$sftp_port"; return 0; fi
  if port_taken "$sftp_port"; then die "port $sftp_port is already taken by another process; set VBI_SFTP_PORT to a free port"; fi
  [ "$(id -u)" -eq 0 ] || die "the SFTP server needs root (sshd chroots the account)"
  id "$sftp_user" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin "$sftp_user"
  # Not locked ("!" makes sshd refuse the account), and no password either: keys only.
  usermod -p "*" "$sftp_user"
  mkdir -p "$sftp_dir/root/inbound" "$sftp_dir/root/outbound" /run/sshd
  chown root:root "$sftp_dir/root"; chmod 755 "$sftp_dir/root"
  chown "$sftp_user" "$sftp_dir/root/inbound" "$sftp_dir/root/outbound"; chmod 775 "$sftp_dir/root/inbound" "$sftp_dir/root/outbound"
  # sshd refuses a chroot whose path has a directory writable by others; the state tree is root's.
  local d="$sftp_dir"; while [ "$d" != "/" ]; do chmod go-w "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
  [ -f "$sftp_dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C vbi-sftp-host -f "$sftp_dir/host_ed25519"
  [ -f "$sftp_dir/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C vbi-provider -f "$sftp_dir/client_ed25519"
  install -m 644 "$sftp_dir/client_ed25519.pub" "$sftp_dir/authorized_keys"
  cat > "$sftp_dir/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $sftp_port
HostKey $sftp_dir/host_ed25519
PidFile $sftp_pid
AuthorizedKeysFile $sftp_dir/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AllowUsers $sftp_user
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
Match User $sftp_user
  ChrootDirectory $sftp_dir/root
  ForceCommand internal-sftp -u 0002
  AllowTcpForwarding no
  X11Forwarding no
  PermitTTY no
CONF
  /usr/sbin/sshd -t -f "$sftp_dir/sshd_config" || die "sshd rejected $sftp_dir/sshd_config"
  /usr/sbin/sshd -f "$sftp_dir/sshd_config" -E "$sftp_dir/sshd.log"
  for _ in $(seq 1 100); do port_taken "$sftp_port" && break; sleep 0.1; done
  port_taken "$sftp_port" || { cat "$sftp_dir/sshd.log" >&2; die "the SFTP server failed to start"; }
  log "sftp (OpenSSH, account $sftp_user chrooted to $sftp_dir/root) running on 127.0.0.1:$sftp_port"
}

sftp_stop() {
  if sftp_running; then kill "$(cat "$sftp_pid")" 2>/dev/null || true; rm -f "$sftp_pid"; log "sftp stopped"; fi
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
export VBI_STRIPE_URL=http://127.0.0.1:$stripe_port
export VBI_SMTP_HOST=127.0.0.1
export VBI_SMTP_PORT=$smtp_port
export VBI_MAILDEV_URL=http://127.0.0.1:$maildev_port
export VBI_NODE_NACHA=$tools/node_modules/@midlandsbank/node-nacha
export VBI_SFTP_HOST=127.0.0.1
export VBI_SFTP_PORT=$sftp_port
export VBI_SFTP_USER=$sftp_user
export VBI_SFTP_KEY_FILE=$sftp_dir/client_ed25519
export VBI_SFTP_HOST_KEY_FILE=$sftp_dir/host_ed25519.pub
export VBI_SFTP_ROOT=$sftp_dir/root
ENV
}

# ---------- Replica pairs: a primary and its streaming standby, for failover tests ----------
# A pair is two clusters of its own (never the shared one on $pg_port, which other tests use and which a failover test
# must not kill), under $state/replicas/NAME:
#   pair.conf                PRIMARY_PORT, STANDBY_PORT, SYNC (on: a commit returns once the standby has it on disk)
#   password                 the postgres password (the main cluster's, so both speak the same credentials)
#   replication-password     the 'replicator' role's; pgpass holds it for the standby's primary_conninfo
#   primary/ standby/        data, run (unix socket), server.log
#   env                      ports, data directories and connection strings, sourceable
# Each node's port and socket live in data/node.conf, which postgresql.conf includes: pg_basebackup copies the
# primary's files, and the standby then gets its own node.conf. synchronous_standby_names only ever goes into the
# primary's node.conf, so a promoted standby never waits for a standby it does not have.
replicas="$state/replicas"
# Below the kernel's ephemeral range (32768-60999), above Azurite (10000-10002) and below Orleans TestingHost's gateway
# and silo ranges (12000-22000, 22300-30000) and tests/VbiOrleans.Testing/FreePorts (30100-32699), so a test cluster
# starting beside a replica pair never picks the same port.
replica_port_range="${VBI_REPLICA_PORT_RANGE:-10100-10299}"
replica_databases="vbi_postal vbi_module vbi_commerce vbi_membership"

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
own_by_postgres() { if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$@"; fi; }

rp_usage() {
  cat >&2 <<USAGE
usage: $0 replica-pair start NAME [--primary-port P] [--standby-port S] [--port-range LO-HI] [--sync]
       $0 replica-pair kill-primary|promote|stop|status|env NAME
  start         create (or reuse) the pair, start both, wait until the standby streams; prints the env file's path
  kill-primary  SIGKILL the primary's postmaster and all its children (a crash, not a shutdown)
  promote       promote the standby and wait until it accepts writes
  stop          stop both clusters and delete the pair's data
  status        one line per node
  env           print the env file's path
USAGE
  exit 2
}

rp_paths() {
  rp_name="$1"
  [[ "$rp_name" =~ ^[a-z0-9][a-z0-9_-]{0,31}$ ]] \
    || die "replica pair name '$rp_name' must be 1-32 characters of a-z, 0-9, '_' and '-', starting with a letter or digit"
  rp_dir="$replicas/$rp_name"
  rp_conf="$rp_dir/pair.conf"
  rp_env="$rp_dir/env"
  rp_pwfile="$rp_dir/password"
  rp_repl_pwfile="$rp_dir/replication-password"
  rp_pgpass="$rp_dir/pgpass"
  rp_p_data="$rp_dir/primary/data"; rp_p_sock="$rp_dir/primary/run"; rp_p_log="$rp_dir/primary/server.log"
  rp_s_data="$rp_dir/standby/data"; rp_s_sock="$rp_dir/standby/run"; rp_s_log="$rp_dir/standby/server.log"
  rp_standby_name="${rp_name//-/_}_standby"   # the slot's name and the standby's application_name
  PRIMARY_PORT=""; STANDBY_PORT=""; SYNC="off"
  if [ -f "$rp_conf" ]; then . "$rp_conf"; fi
}

rp_require_pair() { [ -f "$rp_conf" ] || die "no replica pair '$rp_name' (start it with: $0 replica-pair start $rp_name)"; }

# Serializes start, promote and stop of one pair; kill-primary and status never wait for it.
rp_lock() {
  mkdir -p "$replicas"
  mkdir -p "$replicas/.locks"
  exec 8>"$replicas/.locks/$rp_name"
  flock -w 120 8 || die "replica pair '$rp_name' is locked by another services.sh for more than 120 s ($replicas/.locks/$rp_name)"
  # Whoever held the lock may have created the pair meanwhile.
  if [ -f "$rp_conf" ]; then . "$rp_conf"; fi
}

# A zombie (state Z) is dead: it only waits for whoever adopted it to reap it.
rp_pid_alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }

# The postmaster of a data directory, if it runs. pg_ctl status trusts postmaster.pid, but a killed postmaster leaves
# that file behind, stays a zombie until it is reaped, and its pid may then be reused (pid_max is small): so the pid
# counts only if it is alive, runs our postgres binary and has the data directory as its working directory.
rp_postmaster_pid() {
  local pid; pid="$(head -1 "$1/postmaster.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && rp_pid_alive "$pid" \
    && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$pg_bin/postgres")" ] \
    && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$(readlink -f "$1")" ] \
    && echo "$pid"
}

rp_node_running() { rp_postmaster_pid "$1" >/dev/null; }

# rp_sql SOCKET PORT DATABASE SQL: one value per line, no headers; the unix socket needs no password.
rp_sql() { as_postgres "$pg_bin/psql" -h "$1" -p "$2" -U postgres -d "$3" -XtAqc "$4"; }

rp_port_reserved() { cat "$replicas"/*/pair.conf 2>/dev/null | grep -qx "[A-Z_]*PORT=$1"; }

rp_pick_ports() {
  local want_primary="$1" want_standby="$2" range="$3" lo hi p
  [[ "$range" =~ ^([0-9]+)-([0-9]+)$ ]] || die "port range '$range' is not LO-HI"
  lo="${BASH_REMATCH[1]}"; hi="${BASH_REMATCH[2]}"
  exec 9>"$replicas/.ports.lock"
  flock -w 60 9 || die "could not take $replicas/.ports.lock to choose ports"
  for p in $want_primary $want_standby; do
    port_taken "$p" && die "port $p is already taken by another process; choose another or omit it"
    rp_port_reserved "$p" && die "port $p is already reserved by another replica pair ($(grep -lx "[A-Z_]*PORT=$p" "$replicas"/*/pair.conf))"
  done
  PRIMARY_PORT="$want_primary"; STANDBY_PORT="$want_standby"
  for ((p = lo; p <= hi; p++)); do
    [ -n "$PRIMARY_PORT" ] && [ -n "$STANDBY_PORT" ] && break
    [ "$p" = "$pg_port" ] || [ "$p" = "$azurite_port" ] || [ "$p" = "$PRIMARY_PORT" ] || [ "$p" = "$STANDBY_PORT" ] && continue
    port_taken "$p" || rp_port_reserved "$p" && continue
    if [ -z "$PRIMARY_PORT" ]; then PRIMARY_PORT="$p"; else STANDBY_PORT="$p"; fi
  done
  [ -n "$PRIMARY_PORT" ] && [ -n "$STANDBY_PORT" ] \
    || die "no two free ports in $range; give --primary-port/--standby-port or --port-range (or VBI_REPLICA_PORT_RANGE)"
  [ "$PRIMARY_PORT" != "$STANDBY_PORT" ] || die "the primary and the standby need different ports (both $PRIMARY_PORT)"
  mkdir -p "$rp_dir"
  printf 'PRIMARY_PORT=%s\nSTANDBY_PORT=%s\nSYNC=%s\n' "$PRIMARY_PORT" "$STANDBY_PORT" "$SYNC" > "$rp_conf"
  exec 9>&-
}

# rp_node_conf DATA PORT SOCKET [SYNC_STANDBY]: the per-node settings postgresql.conf includes.
rp_node_conf() {
  { printf "port = %s\nunix_socket_directories = '%s'\n" "$2" "$3"
    if [ -n "${4:-}" ]; then printf "synchronous_standby_names = '%s'\n" "$4"; else printf "synchronous_standby_names = ''\n"; fi
  } > "$1/node.conf"
  own_by_postgres "$1/node.conf"
}

rp_start_node() { # DATA LOG PORT ROLE
  if rp_node_running "$1"; then return 0; fi
  port_taken "$3" && die "port $3 for the $4 of '$rp_name' is taken by another process; stop it, or: $0 replica-pair stop $rp_name"
  # 8>&-: the postmaster must not inherit the pair's lock, or it would hold it for its whole life.
  as_postgres "$pg_bin/pg_ctl" -D "$1" -l "$2" -w -t 60 start >/dev/null 8>&- 9>&- \
    || { tail -20 "$2" >&2; die "the $4 of replica pair '$rp_name' failed to start (log: $2)"; }
}

rp_streaming() {
  [ "$(rp_sql "$rp_p_sock" "$PRIMARY_PORT" postgres "SELECT state FROM pg_stat_replication WHERE application_name = '$rp_standby_name'" 2>/dev/null)" = streaming ] \
    && [ "$(rp_sql "$rp_s_sock" "$STANDBY_PORT" postgres "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null)" = streaming ]
}

rp_write_env() {
  local pw; pw="$(cat "$rp_pwfile")"
  local p_base="Host=127.0.0.1;Port=$PRIMARY_PORT;Username=postgres;Password=$pw"
  local s_base="Host=127.0.0.1;Port=$STANDBY_PORT;Username=postgres;Password=$pw"
  { cat <<ENV
export VBI_REPLICA_NAME=$rp_name
export VBI_REPLICA_SYNC=$SYNC
export VBI_REPLICA_DATABASES='$replica_databases'
export VBI_REPLICA_PRIMARY_PORT=$PRIMARY_PORT
export VBI_REPLICA_PRIMARY_DATA=$rp_p_data
export VBI_REPLICA_PRIMARY_SOCKET=$rp_p_sock
export VBI_REPLICA_PRIMARY_BASE='$p_base'
export VBI_REPLICA_STANDBY_PORT=$STANDBY_PORT
export VBI_REPLICA_STANDBY_DATA=$rp_s_data
export VBI_REPLICA_STANDBY_SOCKET=$rp_s_sock
export VBI_REPLICA_STANDBY_BASE='$s_base'
ENV
    for db in $replica_databases; do
      local store="${db#vbi_}"
      printf "export VBI_REPLICA_PRIMARY_%s='%s;Database=%s'\n" "${store^^}" "$p_base" "$db"
      printf "export VBI_REPLICA_STANDBY_%s='%s;Database=%s'\n" "${store^^}" "$s_base" "$db"
    done
  } > "$rp_env.tmp"
  chmod 600 "$rp_env.tmp"
  mv "$rp_env.tmp" "$rp_env"
}

rp_start() {
  local want_primary="" want_standby="" range="$replica_port_range" want_sync="off"
  while [ $# -gt 0 ]; do
    case "$1" in
      --primary-port) want_primary="${2:?--primary-port needs a port}"; shift 2 ;;
      --standby-port) want_standby="${2:?--standby-port needs a port}"; shift 2 ;;
      --port-range)   range="${2:?--port-range needs LO-HI}"; shift 2 ;;
      --sync)         want_sync="on"; shift ;;
      *) die "replica-pair start: unknown option '$1'" ;;
    esac
  done
  for p in $want_primary $want_standby; do [[ "$p" =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536)) || die "'$p' is not a port"; done
  [ -x "$pg_bin/initdb" ] || die "PostgreSQL 15 is not installed in $pg_bin; run: $0 install"
  command -v flock >/dev/null || die "flock (util-linux) is missing"
  mkdir -p "$replicas"
  local d="$replicas"; while [ "$d" != "/" ]; do chmod o+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
  rp_lock

  if [ -f "$rp_conf" ]; then
    [ -z "$want_primary" ] || [ "$want_primary" = "$PRIMARY_PORT" ] || die "replica pair '$rp_name' exists with primary port $PRIMARY_PORT; stop it first or omit --primary-port"
    [ -z "$want_standby" ] || [ "$want_standby" = "$STANDBY_PORT" ] || die "replica pair '$rp_name' exists with standby port $STANDBY_PORT; stop it first or omit --standby-port"
    [ "$want_sync" = "$SYNC" ] || [ "$want_sync" = off ] || die "replica pair '$rp_name' exists with SYNC=$SYNC; stop it first to change the mode"
    if [ -f "$rp_s_data/PG_VERSION" ] && [ ! -f "$rp_s_data/standby.signal" ]; then
      die "replica pair '$rp_name' has failed over (its standby was promoted); discard it with: $0 replica-pair stop $rp_name"
    fi
  else
    SYNC="$want_sync"
    rp_pick_ports "$want_primary" "$want_standby" "$range"
  fi
  local sock_max=$(( ${#rp_s_sock} > ${#rp_p_sock} ? ${#rp_s_sock} : ${#rp_p_sock} ))
  ((sock_max + 16 < 108)) || die "socket path under $rp_dir is too long for a unix socket; use a shorter NAME or VBI_LOCAL_STATE"

  mkdir -p "$rp_dir/primary" "$rp_dir/standby" "$rp_p_sock" "$rp_s_sock"
  if [ ! -s "$rp_pwfile" ]; then
    umask 077
    if [ -s "$pg_pwfile" ]; then cat "$pg_pwfile" > "$rp_pwfile"; else head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$rp_pwfile"; fi
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$rp_repl_pwfile"
    umask 022
  fi
  printf '127.0.0.1:%s:replication:replicator:%s\n' "$PRIMARY_PORT" "$(cat "$rp_repl_pwfile")" > "$rp_pgpass"
  chmod 600 "$rp_pgpass"
  own_by_postgres "$rp_dir"
  chmod 700 "$rp_dir"

  if [ ! -f "$rp_p_data/PG_VERSION" ]; then
    log "replica pair $rp_name: initialising the primary in $rp_p_data"
    rm -rf "$rp_p_data"
    as_postgres "$pg_bin/initdb" -D "$rp_p_data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile="$rp_pwfile" -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$rp_p_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
max_connections = 200
shared_buffers = 64MB
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
wal_keep_size = 256MB
hot_standby = on
hot_standby_feedback = on
fsync = on
synchronous_commit = on
log_min_messages = warning
include 'node.conf'
CONF
    # Loopback only, passwords (scram) over TCP; replication only for 'replicator'.
    cat > "$rp_p_data/pg_hba.conf" <<HBA
local all         all                      trust
host  all         all        127.0.0.1/32  scram-sha-256
host  replication replicator 127.0.0.1/32  scram-sha-256
HBA
    own_by_postgres "$rp_p_data"
  fi
  # The primary starts without a synchronous standby: until the standby streams, a commit would wait for ever.
  rp_node_conf "$rp_p_data" "$PRIMARY_PORT" "$rp_p_sock"
  rp_node_running "$rp_p_data" && as_postgres "$pg_bin/pg_ctl" -D "$rp_p_data" reload >/dev/null
  rp_start_node "$rp_p_data" "$rp_p_log" "$PRIMARY_PORT" primary
  rp_sql "$rp_p_sock" "$PRIMARY_PORT" postgres "SELECT 1 FROM pg_roles WHERE rolname = 'replicator'" | grep -q 1 \
    || as_postgres "$pg_bin/psql" -h "$rp_p_sock" -p "$PRIMARY_PORT" -U postgres -d postgres -Xq -v ON_ERROR_STOP=1 \
         -v pw="$(cat "$rp_repl_pwfile")" >/dev/null <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SQL
  for db in $replica_databases; do
    rp_sql "$rp_p_sock" "$PRIMARY_PORT" postgres "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || rp_sql "$rp_p_sock" "$PRIMARY_PORT" postgres "CREATE DATABASE $db" >/dev/null
  done

  if [ ! -f "$rp_s_data/PG_VERSION" ]; then
    log "replica pair $rp_name: copying the primary to the standby with pg_basebackup"
    rm -rf "$rp_s_data" "$rp_s_data.tmp"
    # A slot left by an interrupted copy would make -C fail; no standby uses it yet.
    rp_sql "$rp_p_sock" "$PRIMARY_PORT" postgres \
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$rp_standby_name' AND NOT active" >/dev/null
    as_postgres "$pg_bin/pg_basebackup" -D "$rp_s_data.tmp" -R -X stream -C -S "$rp_standby_name" -c fast \
      -d "host=127.0.0.1 port=$PRIMARY_PORT user=replicator passfile=$rp_pgpass application_name=$rp_standby_name" 2>"$rp_dir/basebackup.log" \
      || { cat "$rp_dir/basebackup.log" >&2; die "pg_basebackup from the primary of '$rp_name' failed"; }
    rp_node_conf "$rp_s_data.tmp" "$STANDBY_PORT" "$rp_s_sock"
    mv "$rp_s_data.tmp" "$rp_s_data"
  fi
  rp_start_node "$rp_s_data" "$rp_s_log" "$STANDBY_PORT" standby

  local i
  for i in $(seq 1 600); do rp_streaming && break; sleep 0.1; done
  rp_streaming || { tail -20 "$rp_s_log" >&2; die "the standby of '$rp_name' is not streaming from the primary after 60 s (log: $rp_s_log)"; }
  if [ "$SYNC" = on ]; then
    rp_node_conf "$rp_p_data" "$PRIMARY_PORT" "$rp_p_sock" "$rp_standby_name"
    as_postgres "$pg_bin/pg_ctl" -D "$rp_p_data" reload >/dev/null
    for i in $(seq 1 300); do
      [ "$(rp_sql "$rp_p_sock" "$PRIMARY_PORT" postgres "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$rp_standby_name'")" = sync ] && break
      sleep 0.1
    done
    [ "$(rp_sql "$rp_p_sock" "$PRIMARY_PORT" postgres "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$rp_standby_name'")" = sync ] \
      || die "the standby of '$rp_name' streams but the primary does not count it as synchronous after 30 s"
  fi
  rp_write_env
  log "replica pair $rp_name: primary 127.0.0.1:$PRIMARY_PORT, standby 127.0.0.1:$STANDBY_PORT streaming$([ "$SYNC" = on ] && echo ' (synchronous)')"
  echo "$rp_env"
}

rp_kill_primary() {
  rp_require_pair
  local pid
  pid="$(rp_postmaster_pid "$rp_p_data")" || { log "replica pair $rp_name: the primary is not running (already killed or stopped)"; return 0; }
  local children; children="$(ps -o pid= --ppid "$pid" | tr -s ' \n' ' ')"
  # shellcheck disable=SC2086
  kill -KILL "$pid" $children 2>/dev/null || true
  local i
  for i in $(seq 1 100); do
    local alive=0
    # shellcheck disable=SC2086
    for p in $pid $children; do rp_pid_alive "$p" && alive=1; done
    ((alive == 0)) && break
    sleep 0.05
  done
  ((alive == 0)) || die "the primary of '$rp_name' (pid $pid) is still alive 5 s after SIGKILL"
  log "replica pair $rp_name: primary postmaster $pid and $(wc -w <<<"$children") children killed with SIGKILL"
}

rp_promote() {
  rp_require_pair
  rp_lock
  rp_node_running "$rp_s_data" || die "the standby of '$rp_name' is not running; nothing to promote"
  if [ "$(rp_sql "$rp_s_sock" "$STANDBY_PORT" postgres "SELECT pg_is_in_recovery()")" = t ]; then
    if rp_node_running "$rp_p_data"; then
      log "warning: the primary of '$rp_name' is still running; after this promotion the pair has two primaries"
    fi
    as_postgres "$pg_bin/pg_ctl" -D "$rp_s_data" -w -t 60 promote >/dev/null \
      || { tail -20 "$rp_s_log" >&2; die "pg_ctl promote of the standby of '$rp_name' failed (log: $rp_s_log)"; }
  else
    log "replica pair $rp_name: the standby was already promoted"
  fi
  # Accepting writes means out of recovery and able to assign a transaction id.
  local i
  for i in $(seq 1 600); do
    rp_sql "$rp_s_sock" "$STANDBY_PORT" postgres "SELECT txid_current()" >/dev/null 2>&1 && break
    sleep 0.1
  done
  rp_sql "$rp_s_sock" "$STANDBY_PORT" postgres "SELECT txid_current()" >/dev/null \
    || die "the promoted standby of '$rp_name' does not accept writes after 60 s (log: $rp_s_log)"
  log "replica pair $rp_name: standby promoted, accepts writes on 127.0.0.1:$STANDBY_PORT"
}

rp_stop() {
  if [ ! -d "$rp_dir" ]; then log "replica pair $rp_name: nothing to stop"; return 0; fi
  rp_lock
  for data in "$rp_s_data" "$rp_p_data"; do
    if rp_node_running "$data"; then as_postgres "$pg_bin/pg_ctl" -D "$data" -m immediate -w -t 60 stop >/dev/null; fi
  done
  rm -rf "$rp_dir"
  rm -f "$replicas/.locks/$rp_name"
  log "replica pair $rp_name: stopped and deleted"
}

rp_status() {
  rp_require_pair
  local role
  if rp_node_running "$rp_p_data"; then echo "primary: running on 127.0.0.1:$PRIMARY_PORT, data $rp_p_data"
  else echo "primary: down on 127.0.0.1:$PRIMARY_PORT, data $rp_p_data"; fi
  if rp_node_running "$rp_s_data"; then
    if [ "$(rp_sql "$rp_s_sock" "$STANDBY_PORT" postgres "SELECT pg_is_in_recovery()")" = t ]; then
      role="standby, wal receiver $(rp_sql "$rp_s_sock" "$STANDBY_PORT" postgres "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'not connected')")"
    else
      role="promoted, accepts writes"
    fi
    echo "standby: running on 127.0.0.1:$STANDBY_PORT ($role), data $rp_s_data"
  else echo "standby: down on 127.0.0.1:$STANDBY_PORT, data $rp_s_data"; fi
}

cmd_replica_pair() {
  local action="${1:-}"; [ $# -ge 2 ] || rp_usage
  rp_paths "$2"
  shift 2
  case "$action" in
    start)        rp_start "$@" ;;
    kill-primary) rp_kill_primary ;;
    promote)      rp_promote ;;
    stop)         rp_stop ;;
    status)       rp_status ;;
    env)          rp_require_pair; [ -f "$rp_env" ] || die "replica pair '$rp_name' has not finished starting"; echo "$rp_env" ;;
    *)            rp_usage ;;
  esac
}

# Extra PostgreSQL clusters: one more server each, for the shard map's databases (docs/scaling.md). Under
# $state/extra-pg/NAME: data/, run/ (its socket), server.log, port, password, and env (sourceable):
#   VBI_EXTRA_PG_NAME, VBI_EXTRA_PG_PORT, VBI_EXTRA_PG_BASE (a connection string without a database).
extras="$state/extra-pg"
extra_port_range="${VBI_EXTRA_PG_PORT_RANGE:-10300-10399}"

xp_usage() { echo "usage: $0 extra-pg start|stop|kill|status|env NAME" >&2; exit 2; }

xp_paths() {
  xp_name="$1"
  [[ "$xp_name" =~ ^[a-z0-9][a-z0-9_-]{0,31}$ ]] \
    || die "extra cluster name '$xp_name' must be 1-32 characters of a-z, 0-9, '_' and '-', starting with a letter or digit"
  xp_dir="$extras/$xp_name"; xp_data="$xp_dir/data"; xp_sock="$xp_dir/run"; xp_log="$xp_dir/server.log"
  xp_portfile="$xp_dir/port"; xp_pwfile="$xp_dir/password"; xp_env="$xp_dir/env"
}

xp_lock() {
  mkdir -p "$extras/.locks"
  exec 8>"$extras/.locks/$xp_name"
  flock -w 120 8 || die "extra cluster '$xp_name' is locked by another services.sh for more than 120 s"
}

xp_port_reserved() { cat "$extras"/*/port "$replicas"/*/pair.conf 2>/dev/null | grep -qx "\([A-Z_]*PORT=\)\?$1"; }

xp_pick_port() {
  local lo hi p
  [[ "$extra_port_range" =~ ^([0-9]+)-([0-9]+)$ ]] || die "port range '$extra_port_range' is not LO-HI"
  lo="${BASH_REMATCH[1]}"; hi="${BASH_REMATCH[2]}"
  exec 9>"$extras/.ports.lock"
  flock -w 60 9 || die "could not take $extras/.ports.lock to choose a port"
  for ((p = lo; p <= hi; p++)); do
    [ "$p" = "$pg_port" ] || [ "$p" = "$azurite_port" ] && continue
    port_taken "$p" || xp_port_reserved "$p" && continue
    mkdir -p "$xp_dir"; echo "$p" > "$xp_portfile"; exec 9>&-; return 0
  done
  die "no free port in $extra_port_range; set VBI_EXTRA_PG_PORT_RANGE"
}

xp_start() {
  [ -x "$pg_bin/initdb" ] || die "PostgreSQL 15 is not installed in $pg_bin; run: $0 install"
  command -v flock >/dev/null || die "flock (util-linux) is missing"
  mkdir -p "$extras"
  local d="$extras"; while [ "$d" != "/" ]; do chmod o+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
  xp_lock
  [ -f "$xp_portfile" ] || xp_pick_port
  local port; port="$(cat "$xp_portfile")"
  ((${#xp_sock} + 16 < 108)) || die "socket path under $xp_dir is too long for a unix socket; use a shorter NAME or VBI_LOCAL_STATE"
  mkdir -p "$xp_sock"
  if [ ! -s "$xp_pwfile" ]; then
    umask 077
    if [ -s "$pg_pwfile" ]; then cat "$pg_pwfile" > "$xp_pwfile"; else head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$xp_pwfile"; fi
    umask 022
  fi
  own_by_postgres "$xp_dir"
  chmod 700 "$xp_dir"
  if [ ! -f "$xp_data/PG_VERSION" ]; then
    log "extra cluster $xp_name: initialising $xp_data"
    rm -rf "$xp_data"
    as_postgres "$pg_bin/initdb" -D "$xp_data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile="$xp_pwfile" -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$xp_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$xp_sock'
max_connections = 200
shared_buffers = 64MB
fsync = on
synchronous_commit = on
log_min_messages = warning
CONF
    printf 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n' > "$xp_data/pg_hba.conf"
    own_by_postgres "$xp_data"
  fi
  if ! rp_node_running "$xp_data"; then
    port_taken "$port" && die "port $port of extra cluster '$xp_name' is taken by another process; stop it, or: $0 extra-pg stop $xp_name"
    as_postgres "$pg_bin/pg_ctl" -D "$xp_data" -l "$xp_log" -w -t 60 start >/dev/null 8>&- 9>&- \
      || { tail -20 "$xp_log" >&2; die "extra cluster '$xp_name' failed to start (log: $xp_log)"; }
  fi
  { printf "export VBI_EXTRA_PG_NAME=%s\nexport VBI_EXTRA_PG_PORT=%s\n" "$xp_name" "$port"
    printf "export VBI_EXTRA_PG_BASE='Host=127.0.0.1;Port=%s;Username=postgres;Password=%s'\n" "$port" "$(cat "$xp_pwfile")"
  } > "$xp_env.tmp"
  chmod 600 "$xp_env.tmp"; mv "$xp_env.tmp" "$xp_env"
  log "extra cluster $xp_name: running on 127.0.0.1:$port, environment in $xp_env"
}

xp_stop() {
  if [ ! -d "$xp_dir" ]; then log "extra cluster $xp_name: nothing to stop"; return 0; fi
  xp_lock
  if rp_node_running "$xp_data"; then as_postgres "$pg_bin/pg_ctl" -D "$xp_data" -m fast -w -t 60 stop >/dev/null; fi
  rm -rf "$xp_dir"
  rm -f "$extras/.locks/$xp_name"
  log "extra cluster $xp_name: stopped and deleted"
}

# A database server lost mid-work (tests of an outage): pg_ctl -m immediate, no shutdown checkpoint, data kept.
xp_kill() {
  [ -f "$xp_data/PG_VERSION" ] || die "no extra cluster '$xp_name' (start it with: $0 extra-pg start $xp_name)"
  xp_lock
  if rp_node_running "$xp_data"; then as_postgres "$pg_bin/pg_ctl" -D "$xp_data" -m immediate -w -t 60 stop >/dev/null; fi
  log "extra cluster $xp_name: stopped at once; its data is kept ($0 extra-pg start $xp_name brings it back)"
}

xp_stop_all() {
  local dir
  for dir in "$extras"/*/; do [ -d "$dir" ] || continue; xp_paths "$(basename "$dir")"; xp_stop; done
}

cmd_extra_pg() {
  local action="${1:-}"; [ $# -ge 2 ] || xp_usage
  xp_paths "$2"
  case "$action" in
    start)  xp_start ;;
    stop)   xp_stop ;;
    kill)   xp_kill ;;
    status) [ -f "$xp_portfile" ] || die "no extra cluster '$xp_name' (start it with: $0 extra-pg start $xp_name)"
            if rp_node_running "$xp_data"; then echo "$xp_name: running on 127.0.0.1:$(cat "$xp_portfile")"; else echo "$xp_name: down on 127.0.0.1:$(cat "$xp_portfile")"; fi ;;
    env)    [ -f "$xp_env" ] || die "extra cluster '$xp_name' has not finished starting"; echo "$xp_env" ;;
    *)      xp_usage ;;
  esac
}

case "${1:-}" in
  install) cmd_install ;;
  start)   cmd_install; mkdir -p "$state"; pg_start; az_start; hsm_start; stripe_start; maildev_start; sftp_start; cmd_env > "$state/env"; log "environment written to $state/env" ;;
  stop)    xp_stop_all; sftp_stop; node_stop maildev; node_stop stripe-mock; az_stop; pg_stop ;;
  status)  pg_running && echo "postgresql: running on 127.0.0.1:$pg_port" || echo "postgresql: stopped"
           az_running && echo "azurite: running on 127.0.0.1:$azurite_port" || echo "azurite: stopped"
           node_running stripe-mock && echo "stripe-mock: running on 127.0.0.1:$stripe_port" || echo "stripe-mock: stopped"
           node_running maildev && echo "maildev: running on smtp 127.0.0.1:$smtp_port, http 127.0.0.1:$maildev_port" || echo "maildev: stopped"
           sftp_running && echo "sftp: running on 127.0.0.1:$sftp_port (account $sftp_user)" || echo "sftp: stopped"
           [ -f "$hsm_conf" ] && echo "softhsm2: token dir $hsm_dir/tokens" || echo "softhsm2: not initialised" ;;
  env)     cmd_env ;;
  replica-pair) shift; cmd_replica_pair "$@" ;;
  extra-pg) shift; cmd_extra_pg "$@" ;;
  *) echo "usage: $0 install|start|stop|status|env|replica-pair|extra-pg" >&2; exit 2 ;;
esac
