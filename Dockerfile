# Upgrade Queue: `npm start` in a container (docs/deployment.md). Not built in this repository's
# CI (no Docker engine there); it runs the same steps CI does: `npm ci`, then `npm start`.
#
# Build: install production dependencies (SQLite's libSQL binaries come prebuilt from npm, no
# compiler needed); the postinstall script generates the Prisma clients (offline).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .

# Run: only what the build installed, an unprivileged user, SQLite's directory as a volume.
FROM node:24-slim
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
