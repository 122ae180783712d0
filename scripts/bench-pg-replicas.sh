#!/usr/bin/env bash
# Database statements per request with 1, 2 and 3 `wtd` replicas on one PostgreSQL
# database (issue #24; BENCHMARKS.md, "Database statements per request, 1 to 3 replicas").
# Not run in CI.
#
#   scripts/bench-pg-replicas.sh [--baseline REF | --baseline-wtd PATH] [--requests N]
#                                [--concurrency C] [--json FILE] [--show-statements]
#
# - starts its own throwaway PostgreSQL (initdb on a free port from 56432 up, as the
#   `postgres` user when run as root) with shared_preload_libraries = pg_stat_statements
#   (Debian: postgresql-contrib), and stops and removes it at the end;
# - builds `wtd` (release) from the work tree and, with --baseline REF (a commit, e.g.
#   `main`), from that commit too (git archive into a temporary directory, its own target
#   dir under $CARGO_TARGET_DIR), so both are measured in the same run; --baseline-wtd
#   takes an already built baseline binary instead;
# - runs bench/pg_fanout.py: for each build and 1, 2, 3 replicas, the same fixed mixed load
#   (ingest with a key + authenticated reads), pg_stat_statements_reset() before each run,
#   and prints calls per request by statement kind.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
baseline=""
baseline_wtd=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --baseline) baseline="$2"; shift 2 ;;
        --baseline-wtd) baseline_wtd="$2"; shift 2 ;;
        --requests|--concurrency|--json) args+=("$1" "$2"); shift 2 ;;
        --show-statements) args+=("$1"); shift ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

target="${CARGO_TARGET_DIR:-$root/target}"
builds=()
if [ -n "$baseline" ]; then
    src=$(mktemp -d /tmp/wt-bench-baseline.XXXXXX)
    git -C "$root" archive "$baseline" | tar -x -C "$src"
    (cd "$src" && CARGO_TARGET_DIR="$target/bench-baseline" cargo build --release -p wtd)
    rm -rf "$src"
    builds+=(--build "baseline=$target/bench-baseline/release/wtd")
elif [ -n "$baseline_wtd" ]; then
    builds+=(--build "baseline=$baseline_wtd")
fi
(cd "$root" && cargo build --release -p wtd)
builds+=(--build "change=$target/release/wtd")

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$BIN/initdb" ] || { echo "no initdb found (Debian: apt-get install postgresql)" >&2; exit 3; }
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=56432
while ! port_free "$port"; do port=$((port + 1)); done

dir=$(mktemp -d /tmp/wt-bench-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
cleanup() {
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT
as_owner "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
cat >>"$dir/data/postgresql.conf" <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.max = 10000
max_connections = 100
EOF
as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
admin="postgres://postgres@127.0.0.1:$port/postgres"
psql "$admin" -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
# The extension's view is per database: every benchmark database is created from
# template1, so install it there too.
psql "postgres://postgres@127.0.0.1:$port/template1" -qc \
    "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null

python3 "$root/bench/pg_fanout.py" --admin-url "$admin" "${builds[@]}" "${args[@]}"
