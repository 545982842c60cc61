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

# A release build must not contain fault injection: configure without it,
# build timed, and check that it neither offers --fault nor carries the
# faulty behaviours' names.
if [ "$build" = build ]; then
  cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTC_BENCH=OFF > /dev/null
  cmake --build build-release -j 2 --target timed
  if build-release/node/timed --help | grep >/dev/null -- "--fault" ||
     grep -q "consensus:equivocate" build-release/node/timed; then
    echo "FAIL: the release build of timed contains fault injection" >&2
    exit 1
  fi
  echo "release build: timed has no fault injection (ok)"
fi
