#!/usr/bin/env bash
# Builds wt and wtd (release), bootstraps the first org on first run, and serves the API
# on 127.0.0.1:8470 over the embedded SQLite database (no set-up needed).
#
#   scripts/run.sh [--org NAME] [--owner-email EMAIL]
#
# Data directory: $WT_DATA_DIR, else $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower.
# On the first run it prints the one-time setup token: claim the owner account with
#   target/release/wt setup --token-stdin
set -euo pipefail
cd "$(dirname "$0")/.."

org="${WT_ORG:-My Org}"
owner="${WT_OWNER_EMAIL:-owner@example.com}"
while [ $# -gt 0 ]; do
    case "$1" in
        --org) org="$2"; shift 2 ;;
        --owner-email) owner="$2"; shift 2 ;;
        *) echo "usage: scripts/run.sh [--org NAME] [--owner-email EMAIL]" >&2; exit 2 ;;
    esac
done

cargo build --release --bins
data="${WT_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/watchtower}"
if [ ! -f "$data/watchtower.db" ]; then
    target/release/wtd init --org "$org" --owner-email "$owner" --data-dir "$data"
    echo >&2
    echo "Next, in another terminal: target/release/wt setup --token-stdin   (paste the token above)" >&2
    echo "then: target/release/wt login --email $owner && target/release/wt whoami" >&2
    echo >&2
fi
exec target/release/wtd serve --data-dir "$data"
