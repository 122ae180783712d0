#!/usr/bin/env bash
# The whole test suite: builds the binaries once, then runs every test of the workspace
# (unit tests, the in-process daemon tests and the end-to-end suite in tests/).
#
# The end-to-end tests drive the real `wt`, which keeps credentials in the OS keyring.
# When no D-Bus session is running, this script starts one with a throwaway, unlocked
# gnome-keyring (Debian packages dbus and gnome-keyring), so the real Secret Service is
# exercised; WT_REQUIRE_SECRET_SERVICE=1 then makes the keyring tests fail rather than skip.
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

cargo build --workspace --bins
cargo test --workspace "$@"

# The end-to-end suite again on PostgreSQL (each daemon gets a fresh database on this
# server; SQLite-file tests say SKIPPED). Only for a whole-suite run (no arguments).
if [ "$#" -eq 0 ]; then
    pg_url="${WT_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    hostport=$(printf '%s' "$pg_url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/:?]+)(:([0-9]+))?.*#\2 \4#')
    set -- $hostport
    if (exec 3<>"/dev/tcp/$1/${2:-5432}") 2>/dev/null; then
        echo "== the end-to-end suite on PostgreSQL ($1:${2:-5432}) =="
        WT_TEST_DATABASE_URL="$pg_url" WT_SOAK_SECONDS="${WT_PG_SOAK_SECONDS:-10}" \
            cargo test --workspace --test e2e
    elif [ "${WT_REQUIRE_POSTGRES:-}" = 1 ]; then
        echo "PostgreSQL is required (WT_REQUIRE_POSTGRES=1) but nothing answers at $1:${2:-5432}" >&2
        exit 1
    else
        echo "SKIPPED: the end-to-end suite on PostgreSQL (nothing answers at $1:${2:-5432}; set WT_TEST_DATABASE_URL)" >&2
    fi
fi
