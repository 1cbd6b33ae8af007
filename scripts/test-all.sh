#!/usr/bin/env bash
# `npm test`: the whole suite on SQLite (the default) and again on PostgreSQL
# (TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres; each test file
# creates and drops its own database). Extra arguments go to vitest, e.g. `npm test -- test/e2e`.
set -euo pipefail
echo "== vitest on SQLite"
TEST_DATABASE=sqlite npx vitest run "$@"
echo "== vitest on PostgreSQL"
TEST_DATABASE=postgresql npx vitest run "$@"
