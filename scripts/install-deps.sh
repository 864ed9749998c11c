#!/usr/bin/env bash
# Installs every Debian package moat needs to build, test and benchmark (needs root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
PACKAGES=(
  build-essential cmake pkg-config python3     # toolchain
  libarchive-dev libzstd-dev zlib1g-dev         # layer tar/gzip/zstd reading
  libssl-dev                                    # SHA-256 digests (TLS and signatures later)
  libsqlite3-dev                                # rpmdb.sqlite and the vulnerability database
  libyara-dev                                   # malware rules (YARA)
  libsimdjson-dev libcurl4-openssl-dev          # bulk OSV JSON import, advisory downloads
  libhyperscan-dev                              # secret rules, compiled once, one pass per file
  nlohmann-json3-dev libcli11-dev libfmt-dev    # JSON documents, command line, formatting
  libgtest-dev googletest                       # unit and integration tests
  rpm dpkg db5.3-util                           # oracles: rpm -qa --dbpath, dpkg-query, db5.3_load
  umoci skopeo mmdebstrap jq                    # real test images (../shared/tools/make-test-image.sh)
  golang-go                                     # builds the Go binary of tests/integration/go_binary_test.cpp
  libboost-dev libsodium-dev                    # registry: Beast/Asio HTTP server, Argon2id passwords
  docker-registry podman wrk                    # registry: reference peer, real client, load generator
  openssl curl                                  # registry tests: TLS certificates, webhook HMAC check, HTTP probes
  gpgv debian-archive-keyring                   # fix: verifying apt InRelease signatures
)
$SUDO apt-get update -q
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${PACKAGES[@]}"
