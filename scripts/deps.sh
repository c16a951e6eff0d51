#!/usr/bin/env bash
# Installs the Debian packages retype's build, tests and tools need, if any is missing.
# musl-dev: the C library headers of the x86_64 seL4-style consumer test (tests/consumers/sel4).
set -euo pipefail
packages=(g++ clang libclang-rt-14-dev clang-tidy clang-format cppcheck pkgconf g++-aarch64-linux-gnu musl-dev cmake ninja-build libboost-dev libmsgsl-dev libgtest-dev libbenchmark-dev
          libtomlplusplus-dev libfdt-dev device-tree-compiler librsvg2-bin python3 chromium valgrind)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "retype: installing ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
