#!/usr/bin/env bash
# Fuzzing tonebench's parsers with cargo-fuzz (docs/fuzzing.md).
#
#   scripts/fuzz.sh corpus                assemble the seed corpus into fuzz/corpus/<target>/
#   scripts/fuzz.sh smoke [SECONDS]       every target for SECONDS (default 60), one after another
#   scripts/fuzz.sh run TARGET [SECONDS]  one target (default: until stopped)
#   scripts/fuzz.sh goal [TARGET ...]     each target until 10 M executions or 30 min (issue 18's bar)
#
# Needs a nightly toolchain and cargo-fuzz (`cargo +nightly install cargo-fuzz`); without them it
# says so and exits 0 for `smoke` (so `make fuzz-smoke` is harmless where they are missing).
# Builds go to $FUZZ_TARGET_DIR (default ~/.cache/tonebench/target-fuzz), never the main target
# directory. A crash leaves its input in fuzz/artifacts/<target>/ and fails the command.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/tonebench/target-fuzz}"
TARGETS=(table suite predictions wav model_spec gate conditions segments rule)
# Inputs that run longer than this many seconds, or allocate more than this many MB, are crashes.
TIMEOUT_S=10
RSS_MB=2048

have_fuzz() {
    if ! rustup run nightly rustc --version >/dev/null 2>&1; then
        echo "fuzz: no nightly toolchain (rustup toolchain install nightly); skipped" >&2
        return 1
    fi
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
        echo "fuzz: cargo-fuzz is not installed (cargo +nightly install cargo-fuzz); skipped" >&2
        return 1
    fi
}

corpus() {
    # The seeds come from the tests' fixtures, the bundled suites and the docs' examples; the
    # test that smoke-runs every target over them also writes them out.
    rm -rf fuzz/corpus
    TONEBENCH_FUZZ_CORPUS="$PWD/fuzz/corpus" cargo test --locked --test tests -- \
        fuzz_seeds:: --quiet >/dev/null
    for t in "${TARGETS[@]}"; do
        echo "fuzz: corpus $t: $(find "fuzz/corpus/$t" -type f | wc -l) seeds"
    done
}

build() {
    (cd fuzz && cargo +nightly fuzz build -s none --target-dir "$FUZZ_TARGET_DIR")
}

# run TARGET SECONDS [RUNS]: fuzzes one target, prints "fuzz TARGET: N runs in S s, C crashes".
run_one() {
    local t="$1" secs="$2" runs_max="${3:-0}" log
    log="$(mktemp)"
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    local limit=()
    [ "$secs" -gt 0 ] && limit=("-max_total_time=$secs")
    [ "$runs_max" -gt 0 ] && limit+=("-runs=$runs_max")
    local rc=0 started=$SECONDS
    (cd fuzz && cargo +nightly fuzz run -s none --target-dir "$FUZZ_TARGET_DIR" "$t" \
        "corpus/$t" -- "${limit[@]}" -timeout="$TIMEOUT_S" -rss_limit_mb="$RSS_MB" \
        -print_final_stats=1) >"$log" 2>&1 || rc=$?
    local runs
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    local crashes
    crashes="$(find "fuzz/artifacts/$t" -type f | wc -l)"
    echo "fuzz $t: ${runs:-?} runs in $((SECONDS - started)) s (limit ${secs} s), $crashes crash input(s) in fuzz/artifacts/$t (exit $rc)"
    if [ "$rc" -ne 0 ]; then
        tail -40 "$log" >&2
    fi
    rm -f "$log"
    return "$rc"
}

case "${1:-}" in
corpus)
    corpus
    ;;
smoke)
    have_fuzz || exit 0
    secs="${2:-60}"
    [ -d fuzz/corpus ] || corpus
    build
    failed=0
    for t in "${TARGETS[@]}"; do
        run_one "$t" "$secs" || failed=1
    done
    exit "$failed"
    ;;
run)
    have_fuzz || exit 1
    [ -n "${2:-}" ] || { echo "usage: scripts/fuzz.sh run TARGET [SECONDS]" >&2; exit 2; }
    [ -d "fuzz/corpus/$2" ] || corpus
    build
    run_one "$2" "${3:-0}"
    ;;
goal)
    have_fuzz || exit 1
    shift
    [ -d fuzz/corpus ] || corpus
    build
    failed=0
    for t in "${@:-${TARGETS[@]}}"; do
        run_one "$t" 1800 10000000 || failed=1
    done
    exit "$failed"
    ;;
*)
    echo "usage: scripts/fuzz.sh corpus | smoke [SECONDS] | run TARGET [SECONDS] | goal [TARGET ...]" >&2
    exit 2
    ;;
esac
