#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the tests: installs it from Debian's packages when initdb/pg_ctl are
# missing, initialises a cluster in .tmp/pg-<port>, starts it on a free loopback port (Unix socket inside
# the data dir), creates the database `spec2mcp_test` and prints
#   export SPEC2MCP_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:<port>/spec2mcp_test'
#   export SPEC2MCP_TEST_PGDATA='<data dir>'
# on stdout (progress goes to stderr), so `eval "$(scripts/postgres/start-test-postgres.sh)"` works.
# Stop it with scripts/postgres/stop-test-postgres.sh "$SPEC2MCP_TEST_PGDATA".
#
# --state-file FILE: also write those lines to FILE; when FILE names a server that is still up, reuse it
# instead (callers running in parallel share one server; they are serialised with flock on FILE.lock).
set -euo pipefail
cd "$(dirname "$0")/../.."

state_file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --state-file) state_file="$2"; shift 2 ;;
    *) echo "usage: $0 [--state-file FILE]" >&2; exit 2 ;;
  esac
done

log() { echo "start-test-postgres: $*" >&2; }

if [ -n "$state_file" ]; then
  mkdir -p "$(dirname "$state_file")"
  exec 9>"${state_file}.lock"
  flock 9
fi

find_pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  # Debian keeps the server binaries off PATH, one folder per major version; take the newest.
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
    return 0
  fi
  return 1
}

# Runs a PostgreSQL binary as the server's OS user: the server refuses to run as root.
as_pg_user() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ -n "$state_file" ] && [ -s "$state_file" ]; then
  # shellcheck disable=SC1090
  previous_url="$(sed -n "s/^export SPEC2MCP_TEST_DATABASE_URL='\(.*\)'$/\1/p" "$state_file")"
  previous_port="$(echo "$previous_url" | sed -n 's#.*@127\.0\.0\.1:\([0-9]*\)/.*#\1#p')"
  if [ -n "$previous_port" ] && pg_bin="$(find_pg_bin)" && "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$previous_port"; then
    cat "$state_file"
    exit 0
  fi
fi

started=$(date +%s)
if ! pg_bin="$(find_pg_bin)"; then
  if [ "$(id -u)" != "0" ]; then
    log "initdb/pg_ctl not found and not running as root: install PostgreSQL (apt-get install postgresql) or set SPEC2MCP_TEST_DATABASE_URL."
    exit 1
  fi
  log "PostgreSQL not found; installing it from Debian's packages (apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends postgresql >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
  fi
  pg_bin="$(find_pg_bin)" || { log "installed postgresql but found no initdb/pg_ctl"; exit 1; }
fi
log "using $("$pg_bin/postgres" --version) from $pg_bin"

if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi

# Servers of vitest runs that were killed before their teardown (the state file names the run's pid).
mkdir -p .tmp
for orphan in .tmp/pg-run-*.env; do
  [ -f "$orphan" ] || continue
  [ -n "$state_file" ] && [ "$(readlink -f "$orphan")" = "$(readlink -f "$state_file")" ] && continue
  run_pid="$(basename "$orphan" | sed -n 's/^pg-run-\([0-9]*\)-.*/\1/p')"
  if [ -n "$run_pid" ] && [ ! -d "/proc/$run_pid" ]; then
    log "stopping the server of finished run $run_pid"
    bash scripts/postgres/stop-test-postgres.sh "$orphan" || true
  fi
done
# Data dirs left by runs that died (no live postmaster, untouched for 10 minutes).
for stale in $(find .tmp -maxdepth 1 -name 'pg-[0-9]*' -type d -mmin +10 2>/dev/null); do
  pid="$(head -n 1 "$stale/postmaster.pid" 2>/dev/null || true)"
  if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then
    log "removing stale $stale"
    rm -rf "$stale"
  fi
done

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

for attempt in 1 2 3; do
  port="$(free_port)"
  data_dir="$(pwd)/.tmp/pg-${port}"
  rm -rf "$data_dir"
  mkdir -p "$data_dir"
  if [ "$(id -u)" = "0" ]; then
    chown postgres: "$data_dir"
    if ! runuser -u postgres -- test -w "$data_dir"; then
      log "the postgres user cannot reach $data_dir (a parent folder is not traversable); using /tmp instead"
      rm -rf "$data_dir"
      data_dir="$(mktemp -d /tmp/spec2mcp-pg-XXXXXX)"
      chown postgres: "$data_dir"
    fi
  fi
  chmod 700 "$data_dir"
  # --no-sync and fsync=off: a throwaway server; nothing here has to survive a power loss.
  as_pg_user "$pg_bin/initdb" -D "$data_dir" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >"$data_dir.initdb.log" 2>&1 ||
    { cat "$data_dir.initdb.log" >&2; exit 1; }
  rm -f "$data_dir.initdb.log"
  # 9>&-: the server must not inherit the lock, or it would hold it for as long as it runs.
  if as_pg_user "$pg_bin/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 start \
    -o "-p ${port} -k ${data_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >&2 9>&-; then
    break
  fi
  log "start on port ${port} failed (attempt ${attempt}):"
  tail -n 20 "$data_dir/server.log" >&2 || true
  rm -rf "$data_dir"
  [ "$attempt" = 3 ] && exit 1
done

"$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
  -c 'CREATE DATABASE spec2mcp_test' >&2

output="export SPEC2MCP_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:${port}/spec2mcp_test'
export SPEC2MCP_TEST_PGDATA='${data_dir}'"
if [ -n "$state_file" ]; then
  printf '%s\n' "$output" >"$state_file"
fi
log "PostgreSQL is up on 127.0.0.1:${port} (data ${data_dir}) after $(( $(date +%s) - started )) s"
printf '%s\n' "$output"
