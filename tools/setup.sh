#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh machine, and nothing twice:
# Debian packages (the Cortex-M4 cross compiler, QEMU for the Cortex-M4 board, dbus-daemon for the
# BlueZ stand-in of the BLE tests, Chromium for the live view's browser test) and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v arm-none-eabi-gcc >/dev/null 2>&1 || need_pkgs+=(gcc-arm-none-eabi libnewlib-arm-none-eabi)
command -v cc >/dev/null 2>&1 || need_pkgs+=(gcc)
command -v make >/dev/null 2>&1 || need_pkgs+=(make)
# The QEMU board (firmware/port/qemu-an386) runs on Debian's qemu-system-arm (mps2-an386).
command -v qemu-system-arm >/dev/null 2>&1 || need_pkgs+=(qemu-system-arm)
# The BLE tests and `synergy emu --ble` run a private D-Bus daemon (no system bus or root needed).
command -v dbus-daemon >/dev/null 2>&1 || need_pkgs+=(dbus)
# The live view's test drives Debian's Chromium at this path with playwright-core (a devDependency;
# playwright's own browser download cannot run here).
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)

if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_pkgs[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: need root (or sudo) to install ${need_pkgs[*]}; install them and run again" >&2; exit 1
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or later is needed (found $(node --version))" >&2; exit 1
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
