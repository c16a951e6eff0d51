#!/usr/bin/env bash
# Builds the benchmark suite with the release preset, runs it (writing JSON),
# and regenerates docs/benchmarks.md and docs/img/*.svg from that JSON.
#   bash scripts/bench.sh            # full suite plus callgrind, a few minutes on 2 cores
#   BENCH_FILTER='Boot' bash scripts/bench.sh   # a subset (the docs then show only it)
#   BENCH_CALLGRIND=0 bash scripts/bench.sh     # without the callgrind figures
#   BENCH_REPETITIONS=1 bash scripts/bench.sh   # one run per case (default 5,
#       interleaved in random order; the tables show each case's median)
# The suite's CPU times depend on the machine's load; callgrind's instruction
# counts and the counted cases' kernel calls do not.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BENCH_BUILD_DIR:-build/release}
out=${BENCH_OUT:-bench/results/bench.json}
mkdir -p "$(dirname "$out")"

# The release preset (g++ -O3, RETYPE_BUILD_BENCH=ON); only the bench targets are built.
cmake --preset release -B "$build" >/dev/null
cmake --build "$build" --target bench_retype bench_baselines_test bench_churn_step bench_request_step -j "$(nproc)"

# The baselines must be right before any ratio against them means anything.
"$build/bench/baselines/bench_baselines_test" --gtest_brief=1

# The machine, for the report.
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "compiler: $(${CXX:-g++} --version | head -1)"
    echo "flags: release preset (-O3 -DNDEBUG -Wall -Wextra -Wpedantic -Werror)"
    echo "google-benchmark: $(dpkg-query -W -f='${Version}' libbenchmark-dev 2>/dev/null || echo unknown)"
    lscpu | grep -E '^(Model name|Architecture|CPU\(s\)|Thread\(s\) per core|L1d cache|L2 cache|L3 cache|Hypervisor vendor)' \
        | sed -E 's/[[:space:]]+/ /g'
} > "${out%.json}.machine.txt"

"$build/bench/suite/bench_retype" \
    --benchmark_filter="${BENCH_FILTER:-.}" \
    --benchmark_min_time="${BENCH_MIN_TIME:-0.2}" \
    --benchmark_repetitions="${BENCH_REPETITIONS:-5}" \
    --benchmark_enable_random_interleaving=true \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="$out" --benchmark_out_format=json

# Instructions per churn step, and per request of Boot and DeviceFrames: one
# callgrind run per allocator and workload, instrumenting only the measured
# pass (bench/suite/churn_step.cpp, bench/suite/request_step.cpp).
cg="${out%.json}.callgrind.json"
if [ "${BENCH_CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then
    tmp=$(mktemp -d)
    echo "{" > "$cg"
    first_w=1
    for w in Churn ChurnBooted ChurnVmm Boot DeviceFrames; do
        case $w in Boot|DeviceFrames) driver=bench_request_step ;; *) driver=bench_churn_step ;; esac
        [ $first_w = 1 ] || echo "," >> "$cg"
        first_w=0
        printf '  "%s": {' "$w" >> "$cg"
        first_a=1
        for a in floor allocman_split retype_buddy retype_binary_search; do
            valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/cg.out" \
                "$build/bench/suite/$driver" "$a" "$w" > "$tmp/stdout" 2> "$tmp/stderr"
            ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
            steps=$(sed -n 's/^\([0-9]*\) steps$/\1/p' "$tmp/stdout")
            [ $first_a = 1 ] || printf ',' >> "$cg"
            first_a=0
            printf '\n    "%s": {"ir": %s, "steps": %s}' "$a" "$ir" "$steps" >> "$cg"
            echo "callgrind $w $a: $ir instructions / $steps steps"
        done
        printf '\n  }' >> "$cg"
    done
    printf '\n}\n' >> "$cg"
    rm -rf "$tmp"
fi

python3 tools/bench_report.py "$out" --machine "${out%.json}.machine.txt" \
    $( [ -f "$cg" ] && echo --callgrind "$cg" ) \
    --doc docs/benchmarks.md --img docs/img
