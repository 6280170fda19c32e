#!/usr/bin/env bash
# Browser test of the desk against a real bench: starts the offline sandbox, the site's web server and its
# realtime server (socketio), runs .ci/browser_test.py (Playwright + Debian's chromium, headless), stops them.
# Run from the bench directory; SITE defaults to test_site.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SITE="${QBO_SITE:-${3:-test_site}}"
WEB_PORT="${QBO_WEB_PORT:-18000}"
SANDBOX_PORT="${QBO_SANDBOX_PORT:-18765}"
LOGS="$(pwd)/logs"
mkdir -p "$LOGS"
rm -f "$LOGS"/qbo-*.png  # the screenshots left are this run's
PIDS=()
stop() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop EXIT

# Two QuickBooks companies (realms) in one sandbox: the sample US company and a copy under another realm,
# for the second ERPNext company the test connects.
SEED="$LOGS/ci-sandbox-seed.json"
env/bin/python - "$SEED" <<'EOF'
import json, sys
from qbo_connector.sandbox.samples import sample_seed
seed = sample_seed("us")
second = json.loads(json.dumps(seed["realms"][0]))
second["realm_id"] = "9341453050000002"
second["company"]["CompanyName"] = "Second Company (sandbox)"
seed["realms"].append(second)
with open(sys.argv[1], "w") as out:
	json.dump(seed, out)
EOF
env/bin/qbo-connector sandbox --port "$SANDBOX_PORT" --limits off --seed "$SEED" >"$LOGS/ci-sandbox.log" 2>&1 &
PIDS+=($!)
# Realtime: Sync Now's progress reaches the desk through the socketio server (the test starts its own worker
# for that step). DEV_SERVER makes the desk connect to it on its own port (no proxy in front of `serve`), and
# the server takes the site from the bench's default site, so that is this site.
bench use "$SITE" >/dev/null
DEV_SERVER=1 bench --site "$SITE" serve --port "$WEB_PORT" --noreload >"$LOGS/ci-web.log" 2>&1 &
PIDS+=($!)
node apps/frappe/socketio.js >"$LOGS/ci-socketio.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do
	curl -sf "http://127.0.0.1:$WEB_PORT/api/method/ping" >/dev/null && curl -sf "http://127.0.0.1:$SANDBOX_PORT/.well-known/openid_configuration" >/dev/null && break
	sleep 1
done
QBO_SITE="$SITE" QBO_BASE="http://127.0.0.1:$WEB_PORT" QBO_SANDBOX="http://127.0.0.1:$SANDBOX_PORT" QBO_LOGS="$LOGS" \
	env/bin/python "$HERE/browser_test.py"
