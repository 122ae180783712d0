#!/usr/bin/env bash
# The whole test suite: builds the binaries once, then runs every test of the workspace
# (unit tests, the in-process daemon tests and the end-to-end suite in tests/).
#
# The end-to-end tests drive the real `wt`, which keeps credentials in the OS keyring.
# When no D-Bus session is running, this script starts one with a throwaway, unlocked
# gnome-keyring (Debian packages dbus and gnome-keyring), so the real Secret Service is
# exercised; WT_REQUIRE_SECRET_SERVICE=1 then makes the keyring tests fail rather than skip.
#
# PostgreSQL: throwaway servers (scripts/pg-test-cluster.sh: one with TLS, one in plain
# text, on free ports from 55432, never the machine's own) serve the TLS tests, and the
# end-to-end suite runs a second time on the TLS one with sslmode=verify-full. Without
# initdb or openssl they are SKIPPED (WT_REQUIRE_POSTGRES=1 makes that a failure) and the
# second pass uses WT_TEST_DATABASE_URL or the server on 127.0.0.1:5432.
#
#   scripts/test.sh                      # everything
#   scripts/test.sh -p wt-store          # cargo test arguments: that part only
#   scripts/test.sh --pg-only [FILTER]   # only the end-to-end suite on PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${WT_TEST_IN_DBUS:-}" ] \
    && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
    scratch=$(mktemp -d)
    mkdir -p "$scratch/home" "$scratch/run"
    chmod 700 "$scratch/run"
    # Keep cargo and rustup where they are, not in the throwaway HOME.
    export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
    export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run" WT_TEST_IN_DBUS=1
    exec dbus-run-session -- bash -c '
        printf "ci-keyring-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        export WT_REQUIRE_SECRET_SERVICE=1
        exec "$0" "$@"' "$0" "$@"
fi

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    echo "note: no D-Bus session and no gnome-keyring: Secret Service tests will be SKIPPED" >&2
fi

pg_only=0
if [ "${1:-}" = --pg-only ]; then
    pg_only=1
    shift
fi

# The throwaway PostgreSQL servers, stopped and removed on exit.
if [ -z "${WT_TEST_PG_TLS_DIR:-}" ]; then
    pg_dir=$(mktemp -d /tmp/wt-pg-XXXXXX)
    if pg_env=$(scripts/pg-test-cluster.sh start "$pg_dir" 2>"$pg_dir.log"); then
        trap 'scripts/pg-test-cluster.sh stop "$pg_dir"; rm -f "$pg_dir.log"' EXIT
        eval "$pg_env"
        echo "== throwaway PostgreSQL: TLS on port $WT_TEST_PG_TLS_PORT, plain text on $WT_TEST_PG_PLAIN_PORT ==" >&2
    else
        cat "$pg_dir.log" >&2
        scripts/pg-test-cluster.sh stop "$pg_dir" 2>/dev/null || rm -rf "$pg_dir"
        rm -f "$pg_dir.log"
        if [ "${WT_REQUIRE_POSTGRES:-}" = 1 ]; then
            echo "PostgreSQL over TLS is required (WT_REQUIRE_POSTGRES=1) but no throwaway server could start" >&2
            exit 1
        fi
        echo "SKIPPED: the PostgreSQL TLS tests (no throwaway server: needs initdb and openssl)" >&2
    fi
fi

cargo build --workspace --bins
if [ "$pg_only" = 0 ]; then
    cargo test --workspace "$@"
fi

# The end-to-end suite again on PostgreSQL (each daemon gets a fresh database on this
# server; SQLite-file tests say SKIPPED): on the throwaway TLS server with verify-full when
# it runs. For a whole-suite run (no arguments) or --pg-only.
if [ "$#" -eq 0 ] || [ "$pg_only" = 1 ]; then
    pg_url="${WT_TEST_DATABASE_URL:-${WT_TEST_TLS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
    filters=("$@")
    # Whole suite: the TLS tests ran in the first pass already (they choose their server).
    [ "$pg_only" = 1 ] || filters=(--skip postgres_tls::)
    hostport=$(printf '%s' "$pg_url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/:?]+)(:([0-9]+))?.*#\2 \4#')
    set -- $hostport
    if (exec 3<>"/dev/tcp/$1/${2:-5432}") 2>/dev/null; then
        case "$pg_url" in
            *sslmode=verify-full*) echo "== the end-to-end suite on PostgreSQL ($1:${2:-5432}, TLS verify-full) ==" ;;
            *) echo "== the end-to-end suite on PostgreSQL ($1:${2:-5432}) ==" ;;
        esac
        WT_TEST_DATABASE_URL="$pg_url" WT_SOAK_SECONDS="${WT_PG_SOAK_SECONDS:-10}" \
            cargo test --workspace --test e2e -- "${filters[@]}"
    elif [ "${WT_REQUIRE_POSTGRES:-}" = 1 ]; then
        echo "PostgreSQL is required (WT_REQUIRE_POSTGRES=1) but nothing answers at $1:${2:-5432}" >&2
        exit 1
    else
        echo "SKIPPED: the end-to-end suite on PostgreSQL (nothing answers at $1:${2:-5432}; set WT_TEST_DATABASE_URL)" >&2
    fi
fi
