#!/usr/bin/env bash
# The main job: build the retype program and run it on the built-in example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build/main -G Ninja -DCMAKE_BUILD_TYPE=Release -DRETYPE_BUILD_TESTS=OFF -DRETYPE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/main --target retype_cli -j "$(nproc)"
./build/main/tools/retype/retype plan
