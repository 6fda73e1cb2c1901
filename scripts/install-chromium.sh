#!/usr/bin/env bash
# Installs Debian's chromium, which the browser tests drive through playwright-core at
# /usr/bin/chromium, when it is missing. Idempotent and non-interactive; uses sudo when not root.
# Test workers may call it at the same time: a lock makes the second one wait and then find it there.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "${CHROMIUM}" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: ${CHROMIUM} is missing and apt-get is not available; install Chromium at ${CHROMIUM} by hand." >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-chromium: run as root, or install sudo, to let apt-get install chromium." >&2
    exit 1
  fi
  # -n: fail instead of waiting for a password nobody will type in a test run.
  SUDO=(sudo -n)
fi

LOCK="${TMPDIR:-/tmp}/spec2mcp-install-chromium.lock"
exec 9>"${LOCK}"
flock 9
if [ -x "${CHROMIUM}" ]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-chromium: installing Debian's chromium with apt-get (first run only)..." >&2
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x "${CHROMIUM}" ]; then
  echo "install-chromium: apt-get finished but ${CHROMIUM} is still missing." >&2
  exit 1
fi
echo "install-chromium: $("${CHROMIUM}" --version 2>/dev/null || echo chromium) installed." >&2
