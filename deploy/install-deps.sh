#!/usr/bin/env bash
# Installs every Debian 12 package timed needs to build, test and run.
# Idempotent: when everything is already installed it changes nothing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libcaf-dev                       # actor framework (CAF 0.17)
  capnproto libcapnp-dev           # wire format
  libsecp256k1-dev libssl-dev      # BIP340 Schnorr, SHA-256
  libsqlite3-dev sqlite3           # chain store (+ CLI for operators)
  libjemalloc-dev                  # timed's allocator (node/allocator.hpp)
  libspdlog-dev libtomlplusplus-dev libcli11-dev
  nlohmann-json3-dev libcpp-httplib-dev
  libsimdjson-dev                  # RPC request parsing (node/jsonrpc.cpp)
  libsystemd-dev                   # sd_notify: Type=notify units
  doctest-dev libbenchmark-dev
  python3-minimal                  # the layering check (tests/layers)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep >/dev/null "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
