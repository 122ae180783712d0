#!/usr/bin/env bash
# cargo-fuzz targets (fuzz/fuzz_targets: key parser and checksum, CIDR and allowlist
# matching, X-Forwarded-For, TOTP input, every JSON request body type), each for a bounded
# time. Starts from the committed seeds (fuzz/seeds/TARGET) and every input that ever
# crashed a target (fuzz/regressions/TARGET: keep them there as regression tests).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]        (default 20; needs `cargo install cargo-fuzz`)
#
# libFuzzer needs nightly-only compiler flags; the machines here have only the stable
# toolchain, so the build runs with RUSTC_BOOTSTRAP=1 (the same compiler, flags unlocked).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-20}"
export RUSTC_BOOTSTRAP=1
cargo fuzz build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for target in $(cargo fuzz list); do
    mkdir -p "$work/$target" "seeds/$target" "regressions/$target"
    if ! cargo fuzz run "$target" "$work/$target" "seeds/$target" "regressions/$target" -- \
            -max_total_time="$secs" -print_final_stats=1 2> "$work/$target.log"; then
        echo "FUZZ FAILURE in $target; the input is in fuzz/artifacts/$target: copy it to fuzz/regressions/$target" >&2
        tail -40 "$work/$target.log" >&2
        status=1
    else
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
        echo "fuzz $target: ${runs:-?} runs in ${secs}s, no crash"
    fi
done
exit $status
