#!/usr/bin/env bash
# The production topology on this machine: nginx (Debian's package) on loopback in front of
# two gunicorn instances, one `storefront worker`, PostgreSQL and Redis (already running here).
#   PG_URL=postgresql://postgres@127.0.0.1:5432/sf_prodlocal REDIS_URL=redis://127.0.0.1:6379/13 \
#   PORT=8080 scripts/prod-local.sh
# Ctrl-C stops everything it started. Stripe: localstripe on a free port unless STRIPE_* are set.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${PORT:-8080}
APP1=${APP1_PORT:-8101}
APP2=${APP2_PORT:-8102}
PG_URL=${PG_URL:-postgresql://postgres@127.0.0.1:5432/sf_prodlocal}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/13}
RUN=$(mktemp -d /tmp/sf-prodlocal.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "installing nginx from Debian's packages" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light || \
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# Database: create it if missing, migrate, load the demo catalogue once.
DBNAME=${PG_URL##*/}
psql "${PG_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$DBNAME'" | grep -q 1 || \
  psql "${PG_URL%/*}/postgres" -c "CREATE DATABASE \"$DBNAME\"" >/dev/null
export DATABASE_URL=$PG_URL
export STOREFRONT_ENV=production SITE_URL=${SITE_URL:-http://127.0.0.1:$PORT}
export SECRET_KEY=${SECRET_KEY:-prod-local-$(hostname)-not-secret}
export SESSION_COOKIE_SECURE=0 PROXY_FIX_X_FOR=1 PROXY_FIX_X_PROTO=1
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  LS_PORT=$($BIN/python -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  $BIN/localstripe --port "$LS_PORT" >"$RUN/localstripe.log" 2>&1 & PIDS+=($!)
  export STRIPE_SECRET_KEY=sk_test_localstripe STRIPE_PUBLISHABLE_KEY=pk_test_localstripe
  export STRIPE_API_BASE=http://127.0.0.1:$LS_PORT STRIPE_JS_URL=http://127.0.0.1:$LS_PORT/js.stripe.com/v3/
  export STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-whsec_prodlocal}
  sleep 1
fi
$BIN/storefront db upgrade
[ "$($BIN/storefront seed export /dev/stdout 2>/dev/null | head -c 30 | grep -c sku || true)" != 0 ] || \
  $BIN/storefront seed load seed/products.json >/dev/null || true

for p in $APP1 $APP2; do
  $BIN/gunicorn wsgi:app -b 127.0.0.1:$p -w 2 --timeout "${WORKER_TIMEOUT_SECONDS:-30}" \
    --access-logfile "$RUN/app-$p.log" >>"$RUN/app-$p.log" 2>&1 & PIDS+=($!)
done
$BIN/storefront worker >"$RUN/worker.log" 2>&1 & PIDS+=($!)

cat >"$RUN/nginx.conf" <<CONF
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log $RUN/nginx-access.log;
  client_body_temp_path $RUN/body; proxy_temp_path $RUN/proxy;
  fastcgi_temp_path $RUN/fcgi; uwsgi_temp_path $RUN/uwsgi; scgi_temp_path $RUN/scgi;
  client_max_body_size 13m;
  upstream storefront { server 127.0.0.1:$APP1 max_fails=1 fail_timeout=5s;
                        server 127.0.0.1:$APP2 max_fails=1 fail_timeout=5s; keepalive 32; }
  server {
    listen 127.0.0.1:$PORT default_server;
    server_name _;
    location / {
      proxy_pass http://storefront;
      proxy_http_version 1.1; proxy_set_header Connection "";
      # One trusted hop: matches PROXY_FIX_X_FOR=1 / PROXY_FIX_X_PROTO=1. Host is fixed by SITE_URL.
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header Host \$host;
      proxy_next_upstream error timeout http_502 http_503; proxy_read_timeout 35s;
    }
  }
}
CONF
"$NGINX" -c "$RUN/nginx.conf" -p "$RUN" -g 'daemon off;' 2>>"$RUN/nginx-error.log" & PIDS+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$PORT/healthz"; echo
echo "storefront on http://127.0.0.1:$PORT (nginx -> gunicorn :$APP1 :$APP2, worker, $PG_URL, $REDIS_URL); logs in $RUN"
[ "${PROD_LOCAL_CHECK:-0}" = 1 ] && exit 0
wait
