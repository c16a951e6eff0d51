#!/usr/bin/env bash
# Builds and runs every test: the whole suite under ASan+UBSan with g++, then
# again built warning-free with clang++ (both with -fno-exceptions -fno-rtti).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
for preset in asan clang; do
    echo "== retype: preset ${preset}"
    cmake --preset "${preset}" >/dev/null
    cmake --build --preset "${preset}" -j "${jobs}"
    ctest --preset "${preset}" -j "${jobs}"
done
