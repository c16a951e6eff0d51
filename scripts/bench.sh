#!/usr/bin/env bash
# Builds the benchmark suite with the release preset, runs it (writing JSON),
# and regenerates docs/benchmarks.md and docs/img/*.svg from that JSON.
#   bash scripts/bench.sh            # full suite, under a minute on 2 cores (about 30 s, 2026-11)
#   BENCH_FILTER='Boot' bash scripts/bench.sh   # a subset (the docs then show only it)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BENCH_BUILD_DIR:-build/release}
out=${BENCH_OUT:-bench/results/bench.json}
mkdir -p "$(dirname "$out")"

# The release preset (g++ -O3, RETYPE_BUILD_BENCH=ON); only the bench targets are built.
cmake --preset release -B "$build" >/dev/null
cmake --build "$build" --target bench_retype bench_baselines_test -j "$(nproc)"

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
    --benchmark_out="$out" --benchmark_out_format=json

python3 tools/bench_report.py "$out" --machine "${out%.json}.machine.txt" \
    --doc docs/benchmarks.md --img docs/img
