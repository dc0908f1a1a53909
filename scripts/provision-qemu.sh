#!/usr/bin/env bash
# Installs QEMU 10.0 (qemu-system-x86) from Debian bookworm-backports for the live interop tests.
# Idempotent: does nothing when qemu-system-x86_64 10.x is already installed.
set -euo pipefail
if command -v qemu-system-x86_64 >/dev/null 2>&1 && qemu-system-x86_64 --version | grep -q 'version 10\.'; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "provision-qemu: needs root to apt-get install qemu-system-x86 from bookworm-backports" >&2
  exit 1
fi
list=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$list" ]; then
  cat > "$list" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -t bookworm-backports --no-install-recommends qemu-system-x86 qemu-utils >/dev/null
qemu-system-x86_64 --version | head -1
