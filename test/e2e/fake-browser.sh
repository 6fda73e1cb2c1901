#!/bin/sh
# A BROWSER for headless tests: xdg-open (the copy the `open` npm package bundles, which mcp-remote and
# the MCP Inspector use) runs "$BROWSER <url>"; this signs in and consents at that URL without a
# display (test/e2e/complete-consent.ts). FAKE_BROWSER_NODE picks the Node.js binary (default: node on
# PATH); the project's tsx runs the TypeScript.
here="$(cd "$(dirname "$0")" && pwd)"
cd "${here}/../.." || exit 1
exec "${FAKE_BROWSER_NODE:-node}" --import tsx "${here}/complete-consent.ts" "$@"
