#!/usr/bin/env bash
# Stops a server started by start-test-postgres.sh and deletes its data dir.
# Argument: the data dir (SPEC2MCP_TEST_PGDATA), or the --state-file that start-test-postgres.sh wrote
# (which is deleted too). Without an argument, $SPEC2MCP_TEST_PGDATA.
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${1:-${SPEC2MCP_TEST_PGDATA:-}}"
if [ -z "$target" ]; then
  echo "usage: $0 <data dir | state file>" >&2
  exit 2
fi

state_file=""
data_dir="$target"
if [ -f "$target" ]; then
  state_file="$target"
  data_dir="$(sed -n "s/^export SPEC2MCP_TEST_PGDATA='\(.*\)'$/\1/p" "$state_file")"
fi

if [ -n "$data_dir" ] && [ -f "$data_dir/PG_VERSION" ]; then
  pg_ctl_bin="$(command -v pg_ctl || ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1)"
  if [ -f "$data_dir/postmaster.pid" ]; then
    if [ "$(id -u)" = "0" ]; then
      runuser -u postgres -- "$pg_ctl_bin" -D "$data_dir" -m immediate -s -w -t 30 stop >&2 || true
    else
      "$pg_ctl_bin" -D "$data_dir" -m immediate -s -w -t 30 stop >&2 || true
    fi
  fi
  rm -rf "$data_dir"
fi
if [ -n "$state_file" ]; then
  rm -f "$state_file" "${state_file}.lock"
fi
