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
