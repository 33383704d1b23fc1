#!/usr/bin/env bash
# The whole test suite: lint, SQLite pass, PostgreSQL pass (when a server answers), browser
# tests in Debian chromium (installed with apt-get when missing and possible), API fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PYTHONDONTWRITEBYTECODE=1

echo "== ruff"
$BIN/ruff check .

# Browser tests need Debian's chromium. Never download a browser.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Debian chromium and CJK fonts (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        chromium fonts-noto-cjk >/dev/null) || echo "!! apt-get could not install chromium"
  fi
fi
if command -v chromium >/dev/null 2>&1; then
  export XINREN_CHROMIUM="$(command -v chromium)"
else
  echo "!! Debian chromium is not available: browser tests will be SKIPPED"
fi

data_dir=$(mktemp -d)
trap 'rm -rf "$data_dir"' EXIT
export XINREN_DATA_DIR="$data_dir"

echo "== pytest on SQLite"
DATABASE_URL= $BIN/pytest -q "$@"

PG_URL=${XINREN_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}")
    sys.exit(1)
PY
then
  echo "== pytest on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" $BIN/pytest -q "$@"
else
  echo "!! PostgreSQL pass SKIPPED: no server at $PG_URL"
fi
echo "== all test passes finished"
