#!/usr/bin/env bash
# A private PostgreSQL for the store tests, apart from any system cluster:
#   scripts/postgres.sh start    create it the first time, then start it (fine if already running)
#   scripts/postgres.sh stop     stop it (fine if not running)
#   scripts/postgres.sh url      print its URL, for BINHE_TEST_PG_URL
#   scripts/postgres.sh status   exit 0 if it is running
#   scripts/postgres.sh halt     stop it now, whoever else started it (an outage, in a benchmark)
# It listens on 127.0.0.1:55432 only; TCP logins need the random password made at creation.
# Every checkout on the machine shares it, so `start` leaves a lease named after the calling
# shell and `stop` only stops the server once no living shell holds one: two `make test` runs
# at once do not pull it from under each other.
#
# Other private clusters (scripts/city-postgres.sh) are the same with other settings:
#   BINHE_PG_NAME     the cluster's name, which names its folder (default `pg`)
#   BINHE_PG_PORT     its port on 127.0.0.1, fixed at creation (default 55432)
#   BINHE_PG_OPTIONS  server settings given at every start, e.g. `-c wal_level=logical`
#   BINHE_PG_LEASE    the process a lease is named after (default: the calling shell)
set -euo pipefail

name=${BINHE_PG_NAME:-pg}
port=${BINHE_PG_PORT:-55432}
lease=${BINHE_PG_LEASE:-$PPID}
log() { printf '\033[1;34m[postgres]\033[0m %s\n' "$*" >&2; }

if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` user; it lives
  # outside root's home, which is usually 0700 and so out of that user's reach.
  dir=${BINHE_PG_DIR:-/var/tmp/smart-binhe-$name}
  as_owner() { runuser -u postgres -- "$@"; }
else
  dir=${BINHE_PG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/smart-binhe/$name}
  as_owner() { "$@"; }
fi
data=$dir/data

# Debian keeps the server programs out of PATH, one folder per major version; an existing
# cluster needs the version that created it.
pg_bin() {
  local version
  if [ -f "$data/PG_VERSION" ]; then
    version=$(cat "$data/PG_VERSION")
  else
    version=$(find /usr/lib/postgresql -maxdepth 1 -mindepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n1)
  fi
  [ -n "$version" ] && [ -x "/usr/lib/postgresql/$version/bin/initdb" ] && echo "/usr/lib/postgresql/$version/bin"
}

install_postgres() {
  log "apt: installing postgresql"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q postgresql
}

running() {
  [ -f "$data/PG_VERSION" ] && as_owner "$(pg_bin)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

create() {
  log "creating a cluster in $dir"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  chmod 700 "$dir"
  # Letters and digits only, so the URL needs no escaping.
  as_owner bash -c "umask 077 && tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24 >'$dir/password'"
  as_owner "$(pg_bin)/initdb" -D "$data" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/password" >"$dir/initdb.log"
  mkdir -p "$dir/run"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/run"
  # The Unix socket stays in the private folder (where `trust` is safe) and away from the system
  # cluster's /var/run/postgresql.
  as_owner bash -c "cat >>'$data/postgresql.conf'" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
EOF
}

# Starting, stopping and the leases change under one lock at a time.
hold_lock() {
  mkdir -p "$dir/leases"
  exec 9>"$dir/lock"
  flock 9
}

# Removes the leases of shells that are gone (killed before they could stop); prints how many
# remain.
live_leases() {
  local lease
  for lease in "$dir"/leases/*; do
    [ -e "$lease" ] || continue
    kill -0 "${lease##*/}" 2>/dev/null || rm -f "$lease"
  done
  find "$dir/leases" -type f | wc -l
}

case "${1:-}" in
  start)
    [ -n "$(pg_bin)" ] || install_postgres
    [ -f "$data/PG_VERSION" ] || create
    hold_lock
    touch "$dir/leases/$lease"
    if running; then
      log "already running on 127.0.0.1:$port"
    # 9>&-: the server must not inherit the lock, or it would hold it for as long as it runs.
    elif as_owner "$(pg_bin)/pg_ctl" -D "$data" -l "$dir/server.log" -o "${BINHE_PG_OPTIONS:-}" -w -t 60 start >/dev/null 9>&-; then
      log "running on 127.0.0.1:$port ($dir)"
    else
      tail -n 20 "$dir/server.log" >&2
      exit 1
    fi
    ;;
  stop)
    [ -d "$dir" ] || { log "not running"; exit 0; }
    hold_lock
    rm -f "$dir/leases/$lease"
    others=$(live_leases)
    if ! running; then
      log "not running"
    elif [ "$others" -gt 0 ]; then
      log "left running: $others other shell(s) started it and are still there"
    else
      as_owner "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
      log "stopped"
    fi
    ;;
  halt)
    if running; then
      as_owner "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
      log "halted 127.0.0.1:$port"
    else
      log "not running"
    fi
    ;;
  url)
    [ -f "$dir/password" ] || { log "no cluster yet: run scripts/postgres.sh start"; exit 1; }
    echo "postgres://postgres:$(cat "$dir/password")@127.0.0.1:$port/postgres"
    ;;
  status)
    running
    ;;
  *)
    echo "usage: $0 start|stop|url|status|halt" >&2
    exit 2
    ;;
esac
