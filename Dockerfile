# Upgrade Queue: `npm start` in a container (docs/deployment.md). Not built in this repository's
# CI (no Docker engine there); it runs the same steps CI does: `npm ci`, then `npm start`.
#
# Node 22, not 24: on Node 24.19+ better-sqlite3 12 (required by Prisma's SQLite adapter) can
# abort the process when a statement is garbage-collected (docs/deployment.md, "Node version").

# Build: install production dependencies. better-sqlite3 is compiled here when no prebuilt
# binary can be downloaded, and the postinstall script generates the Prisma clients (offline).
FROM node:22-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .

# Run: no compilers, an unprivileged user, SQLite's directory as a volume.
FROM node:22-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=file:/app/data/upgrade-queue.db
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["npm", "start"]
