#!/usr/bin/env bash
# The test command: installs dependencies, configures, builds and runs every
# test with ctest. Usage: bash deploy/test.sh [--asan]
#   --asan   build into build-asan with ASan+UBSan and run the suite there
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
flags=(-DTC_FAULT_INJECTION=ON)
if [ "${1:-}" = "--asan" ]; then
  build=build-asan
  flags+=(-DTC_SANITIZE=ON -DTC_BENCH=OFF)
fi

bash deploy/install-deps.sh
cmake -S . -B "$build" -G Ninja "${flags[@]}"
cmake --build "$build" -j 2
ctest --test-dir "$build" --output-on-failure -j 2 --timeout 600
