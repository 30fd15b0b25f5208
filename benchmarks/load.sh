#!/usr/bin/env bash
# The tertial-deadline load (issue 14, item 5): gunicorn (4 workers) on 127.0.0.1, the
# limiter's counters in Redis, a PostgreSQL database made by
#   python -m benchmarks.generate --size region --db postgresql+psycopg://…/NAME
# and locust headless, stepping the users up until p95 passes 500 ms or a request fails;
# then /healthz alone the same way (the server's ceiling). Bounded: STEP_SECONDS per step,
# at most the steps listed. Not a test; never run in CI.
#
#   benchmarks/load.sh postgresql+psycopg://postgres@127.0.0.1:5432/NAME [redis://127.0.0.1:6379/11]
set -euo pipefail
DB_URL=${1:?database URL}
REDIS_URL=${2:-redis://127.0.0.1:6379/11}
PORT=${PORT:-8765}
STEP_SECONDS=${STEP_SECONDS:-45}
MIX_STEPS=${MIX_STEPS:-"10 20 40 60 80 120 160"}
PROBE_STEPS=${PROBE_STEPS:-"10 20 40 80"}
OUT=${OUT:-/tmp/riskreg-load}
mkdir -p "$OUT"
export RISKREG_LOAD_SESSIONS="$OUT/sessions"  # one sign-in per simulated user for the run
rm -rf "$RISKREG_LOAD_SESSIONS"
cd "$(dirname "$0")/.."

# The sign-in throttle counts failed sign-ins per address; every simulated user comes from
# 127.0.0.1, so it is raised for the run (no sign-in fails here; the default is
# 20 per 10 minutes).
export RISKREG_ENV=production RISKREG_DATABASE_URL="$DB_URL" \
  RISKREG_SECRET_KEY=load-run-only-secret-key-not-for-use RISKREG_INSECURE_COOKIES=1 \
  RISKREG_RATELIMIT_STORAGE_URL="$REDIS_URL" RISKREG_LOGIN_ADDRESS_LIMIT="10000 per 10 minutes" \
  RISKREG_TODAY=2026-11-25 RISKREG_REQUEST_LOG=0

gunicorn -w 4 -b "127.0.0.1:$PORT" --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" \
  wsgi:app &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done

step() {  # step NAME USERS CLASSES… → prints users, req/s, p50, p95, p99, failures
  local name=$1 users=$2; shift 2
  locust -f benchmarks/locustfile.py --headless -H "http://127.0.0.1:$PORT" -u "$users" \
    -r "$(( users < 20 ? users : 20 ))" -t "${STEP_SECONDS}s" --only-summary --reset-stats \
    --csv "${OUT}/${name}-${users}" "$@" >"${OUT}/${name}-${users}.log" 2>&1 || true
  python - "${OUT}/${name}-${users}_stats.csv" "$users" <<'EOF'
import csv, sys
rows = {r["Name"]: r for r in csv.DictReader(open(sys.argv[1]))}
a = rows["Aggregated"]
print(f"users={sys.argv[2]} rps={float(a['Requests/s']):.1f} p50={a['50%']} p95={a['95%']} "
      f"p99={a['99%']} requests={a['Request Count']} failures={a['Failure Count']}")
EOF
}

for users in $MIX_STEPS; do
  line=$(step mix "$users" Owner Coordinator BoardReviewer)
  echo "mix $line"
  p95=$(sed -E 's/.*p95=([0-9.]+).*/\1/' <<<"$line"); fails=$(sed -E 's/.*failures=([0-9]+).*/\1/' <<<"$line")
  [[ $p95 =~ ^[0-9.]+$ ]] || continue
  if (( ${p95%.*} > 500 || fails > 0 )); then break; fi
done
for users in $PROBE_STEPS; do
  line=$(step probe "$users" Probe)
  echo "healthz $line"
  p95=$(sed -E 's/.*p95=([0-9.]+).*/\1/' <<<"$line"); fails=$(sed -E 's/.*failures=([0-9]+).*/\1/' <<<"$line")
  [[ $p95 =~ ^[0-9.]+$ ]] || continue
  if (( ${p95%.*} > 500 || fails > 0 )); then break; fi
done
