# spec2mcp MCP server image: serves generated/conveyor (or another generated API, see docs/deploy.md).
#   docker build -t spec2mcp .
#   docker run -p 3000:3000 -e SPEC2MCP_UPSTREAM_URL=... -e SPEC2MCP_PUBLIC_URL=... spec2mcp
# Both stages use the same pinned image, so better-sqlite3's native addon, built (or downloaded
# prebuilt) in the first stage, matches the Node.js ABI and glibc of the second.

# ---- build: all dependencies, tsc, then drop the devDependencies ----
FROM node:22.21.1-bookworm-slim AS build
# better-sqlite3 downloads a prebuilt addon; without one (or without network) it compiles with node-gyp.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY bin bin
COPY cli cli
COPY generator generator
COPY runtime runtime
COPY platform platform
COPY generated generated
COPY specs specs
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies and dist/ only, as the unprivileged `node` user ----
FROM node:22.21.1-bookworm-slim AS runtime
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=3000 \
  SPEC2MCP_API_DIR=dist/generated/conveyor \
  SPEC2MCP_DATA_DIR=/app/.data
WORKDIR /app
# Code and dependencies stay owned by root (read-only to the server); only the data folder is writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/.data && chown node:node /app/.data
# The SQLite store (idempotency keys, rate-limit counters, audit, API tokens, OAuth grants) and the
# generated credential key live here; with SPEC2MCP_STORE=postgres it stays empty.
VOLUME ["/app/.data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1: the server handles SIGTERM itself (drains in-flight calls, then exits 0).
STOPSIGNAL SIGTERM
CMD ["node", "dist/runtime/main.js"]
