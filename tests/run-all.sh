#!/usr/bin/env bash
# The whole test suite of Riskreg: the one test command (README, CI's .ci/run).
#
#   bash tests/run-all.sh [extra pytest arguments]
#
# On a fresh Debian machine, as root, it
#   1. installs the project with its test extras (pip install -e '.[test]');
#   2. installs Debian's chromium for the browser tests if /usr/bin/chromium is missing
#      (never `playwright install`: no browser download), and Pango, fonts-dejavu-core and
#      poppler-utils for the board pack's PDF and its tests, and Debian's
#      libreoffice-calc-nogui for the spreadsheet tests, when they are missing;
#   3. makes sure PostgreSQL (127.0.0.1:5432, trust auth, user postgres) and Redis
#      (127.0.0.1:6379) are up, and creates a fresh PostgreSQL database for this run,
#      dropped again on exit;
#   4. installs Debian's PostgreSQL client tools (pg_dump, pg_restore: the backup tests)
#      when pg_dump is missing or older than the server;
#   5. runs pytest over tests/ on SQLite, then on PostgreSQL, then `ruff check .` and
#      `bandit -r riskreg` (accepted findings carry `# nosec BXXX: reason`).
# Exits non-zero when any step fails; a pytest run that collects no test fails too.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-$(command -v python3 || command -v python)}"
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
CHROMIUM=/usr/bin/chromium
# A pass that hangs is stopped after this many seconds (CI must stay well under 30 min).
PASS_TIMEOUT="${RISKREG_PASS_TIMEOUT:-1200}"
STARTED=$SECONDS
declare -a SUMMARY=()
FAILED=0
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0

log() { printf '\n==> %s\n' "$*"; }
result() { SUMMARY+=("$1"); printf '\n%s\n' "$1"; }
die() { printf '\nrun-all: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

# --- 1. Python packages ---------------------------------------------------------------
log "pip install -e '.[test]'"
"$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    -e '.[test]' \
    || die "pip install failed"

# --- 2. Chromium from Debian -------------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
    log "installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq || die "apt-get update failed"
    as_root apt-get install -y -qq chromium >/dev/null || die "apt-get install chromium failed"
fi
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing after the install"

# --- 2b. the board pack's PDF: Pango (WeasyPrint), DejaVu fonts, poppler-utils ------------
# WeasyPrint (a pip dependency) draws text with Debian's Pango; the pack embeds DejaVu Sans
# (fonts-dejavu-core: å ä ö); the PDF tests read it back with pdfinfo/pdftotext/pdftoppm.
pdf_tools_ready() {
    command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null \
        && command -v pdfinfo >/dev/null \
        && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
        && "$PYTHON" -c "import weasyprint" >/dev/null 2>&1
}
if ! pdf_tools_ready; then
    log "installing Debian's pango, fonts-dejavu-core and poppler-utils"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq || die "apt-get update failed"
    as_root apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core fontconfig poppler-utils >/dev/null \
        || die "apt-get install of the PDF packages failed"
fi
pdf_tools_ready || die "WeasyPrint, DejaVu Sans or poppler-utils missing after the install"

# --- 2c. LibreOffice from Debian (the spreadsheet exports opened by a real client) -------
if ! command -v soffice >/dev/null && ! command -v libreoffice >/dev/null; then
    log "installing Debian's libreoffice-calc-nogui"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq || die "apt-get update failed"
    as_root apt-get install -y -qq libreoffice-calc-nogui >/dev/null \
        || die "apt-get install libreoffice-calc-nogui failed"
    hash -r
fi
command -v soffice >/dev/null || command -v libreoffice >/dev/null \
    || die "LibreOffice (soffice) is missing after the install"

# --- 3. PostgreSQL and Redis -------------------------------------------------------------
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    log "starting PostgreSQL"
    cluster_version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
    [ -n "$cluster_version" ] || die "no PostgreSQL cluster in /etc/postgresql"
    as_root pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start \
        || die "could not start PostgreSQL $cluster_version"
    for _ in $(seq 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || die "PostgreSQL is not ready on $PG_HOST:$PG_PORT"
fi

redis_up() {
    "$PYTHON" - <<'EOF' 2>/dev/null
import redis
redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
EOF
}
if ! redis_up; then
    log "starting Redis"
    command -v redis-server >/dev/null \
        || { as_root apt-get update -qq && as_root apt-get install -y -qq redis-server >/dev/null; } \
        || die "could not install redis-server"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
        >/dev/null || die "could not start Redis"
    for _ in $(seq 20); do redis_up && break; sleep 0.5; done
    redis_up || die "Redis is not answering on 127.0.0.1:6379"
fi

# A fresh database for this run, dropped on exit (whatever happens).
PG_DB="riskreg_test_$(date +%Y%m%d_%H%M%S)_$$_${RANDOM}"
pg_admin() {
    "$PYTHON" - "$1" <<EOF
import sys
import psycopg
with psycopg.connect("postgresql://$PG_USER@$PG_HOST:$PG_PORT/postgres", autocommit=True) as c:
    c.execute(sys.argv[1])
EOF
}
drop_db() { pg_admin "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true; }
trap drop_db EXIT
pg_admin "CREATE DATABASE \"$PG_DB\"" || die "could not create database $PG_DB"
PG_URL="postgresql+psycopg://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"

# --- 4. PostgreSQL client tools for flask backup/restore ---------------------------------
server_major="$("$PYTHON" - <<EOF
import psycopg
with psycopg.connect("postgresql://$PG_USER@$PG_HOST:$PG_PORT/postgres") as c:
    print(int(c.execute("SHOW server_version_num").fetchone()[0]) // 10000)
EOF
)" || die "cannot read the PostgreSQL server version"
pg_dump_major() { pg_dump --version 2>/dev/null | grep -oE '[0-9]+' | head -n1 || true; }
if [ "$(pg_dump_major)" -lt "$server_major" ] 2>/dev/null || [ -z "$(pg_dump_major)" ]; then
    log "installing the PostgreSQL $server_major client tools (pg_dump, pg_restore)"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq || die "apt-get update failed"
    as_root apt-get install -y -qq "postgresql-client-$server_major" >/dev/null 2>&1 \
        || as_root apt-get install -y -qq postgresql-client >/dev/null \
        || die "apt-get install postgresql-client failed"
    hash -r
fi
[ "$(pg_dump_major)" -ge "$server_major" ] 2>/dev/null \
    || die "pg_dump ($(pg_dump_major)) is missing or older than the server ($server_major)"

# --- 5. the passes ----------------------------------------------------------------------
# count WORD: the number before WORD in pytest's closing line ($tail_line), or 0.
count() { grep -oE "[0-9]+ $1" <<<"$tail_line" | grep -oE '^[0-9]+' || echo 0; }

# run_pass NAME DATABASE_URL [pytest args...]: pytest over tests/; an empty URL = SQLite.
run_pass() {
    local name="$1" url="$2"; shift 2
    local out start rc tail_line
    out="$(mktemp)"
    start=$SECONDS
    log "pytest on $name"
    env -u RISKREG_TEST_DATABASE_URL ${url:+RISKREG_TEST_DATABASE_URL="$url"} \
        timeout -k 30 "$PASS_TIMEOUT" "$PYTHON" -m pytest tests "$@" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    # pytest's closing line, e.g. "212 passed, 4 warnings in 61.02s".
    tail_line="$(grep -E '([0-9]+ (passed|failed|errors?|skipped|deselected)|no tests ran).* in [0-9.]+s' \
        "$out" | tail -n1 | sed -E 's/^=+ //; s/ =+$//')"
    rm -f "$out"
    TOTAL_PASSED=$((TOTAL_PASSED + $(count passed)))
    TOTAL_FAILED=$((TOTAL_FAILED + $(count failed) + $(count 'errors?')))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + $(count skipped)))
    case "$rc" in
        0) result "PASS  pytest on $name: ${tail_line:-ok} (wall $((SECONDS - start)) s)"; return ;;
        5) tail_line="no tests collected: counted as a failure" ;;
        124|137) tail_line="stopped after ${PASS_TIMEOUT} s" ;;
    esac
    result "FAIL  pytest on $name: ${tail_line:-pytest exit $rc} (exit $rc, wall $((SECONDS - start)) s)"
    FAILED=1
}

run_pass "SQLite" "" "$@"

# The browser tests run once, in the SQLite pass above (-m "not browser" here): they drive
# a live server of their own on a temporary SQLite file (tests/browser/conftest.py), not on
# RISKREG_TEST_DATABASE_URL, so running them again here would test nothing new about
# PostgreSQL and only cost time. So do the LibreOffice tests (-m "not office"): they check
# the workbooks a real client opens, which the exports' own tests check on both databases.
run_pass "PostgreSQL" "$PG_URL" -m "not browser and not office" "$@"

log "ruff check ."
start=$SECONDS
if "$PYTHON" -m ruff check .; then
    result "PASS  ruff check . (wall $((SECONDS - start)) s)"
else
    result "FAIL  ruff check . (wall $((SECONDS - start)) s)"
    FAILED=1
fi

log "bandit -r riskreg"
start=$SECONDS
if "$PYTHON" -m bandit -q -r riskreg; then
    result "PASS  bandit -r riskreg (wall $((SECONDS - start)) s)"
else
    result "FAIL  bandit -r riskreg (wall $((SECONDS - start)) s)"
    FAILED=1
fi

# --- summary ------------------------------------------------------------------------------
printf '\n==================== Riskreg test summary ====================\n'
printf '%s\n' "${SUMMARY[@]}"
printf 'total wall time: %d s\n' "$((SECONDS - STARTED))"
printf 'RESULT: %s\n' "$([ "$FAILED" -eq 0 ] && echo OK || echo FAILED)"
# The tests of both passes together, as the closing line.
skipped=""
[ "$TOTAL_SKIPPED" -gt 0 ] && skipped=", $TOTAL_SKIPPED skipped"
printf 'tests: %d passed, %d failed%s\n' "$TOTAL_PASSED" "$TOTAL_FAILED" "$skipped"
exit "$FAILED"
