#!/usr/bin/env bash
# The production topology on this machine: nginx (Debian's package) on loopback in front of
# two gunicorn instances, one `storefront worker`, PostgreSQL and Redis (already running here),
# localstripe with its webhook pointed at nginx, and an SMTP sink (aiosmtpd, Maildir).
#
#   scripts/prod-local.sh            start in the foreground; Ctrl-C stops everything it started
#   scripts/prod-local.sh check      start, buy through nginx (scripts/prod_local_check.py), stop
#   scripts/prod-local.sh stop       stop a prod-local started elsewhere (its pid file)
#
# Settings: PG_URL (default postgresql://postgres@127.0.0.1:5432/storefront_prodlocal; created
# and migrated when missing, the demo catalogue loaded when empty), REDIS_URL (default
# redis://127.0.0.1:6379/13), PORT (nginx, 8080), APP1_PORT / APP2_PORT (8101 / 8102),
# GUNICORN_WORKERS / GUNICORN_THREADS (2 / 4 per instance). Stripe: localstripe on a free port
# unless STRIPE_SECRET_KEY is set; mail: an SMTP sink writing $RUN/mail unless MAIL_SERVER is set.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
PORT=${PORT:-8080}
APP1=${APP1_PORT:-8101}
APP2=${APP2_PORT:-8102}
PG_URL=${PG_URL:-postgresql://postgres@127.0.0.1:5432/storefront_prodlocal}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/13}
mkdir -p instance
PIDFILE=${PROD_LOCAL_PIDFILE:-$ROOT/instance/prod-local-$PORT.pid}
MODE=${1:-start}

free_port() { "$BIN/python" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

if [ "$MODE" = stop ]; then
  [ -f "$PIDFILE" ] || { echo "no prod-local running on port $PORT ($PIDFILE missing)" >&2; exit 1; }
  pid=$(head -n1 "$PIDFILE")
  kill -TERM "$pid" 2>/dev/null || { echo "prod-local ($pid) was not running" >&2; rm -f "$PIDFILE"; exit 0; }
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  echo "prod-local on port $PORT stopped"
  exit 0
fi
case "$MODE" in start|check) ;; *) echo "usage: $0 [start|check|stop]" >&2; exit 2 ;; esac

if [ -f "$PIDFILE" ] && kill -0 "$(head -n1 "$PIDFILE")" 2>/dev/null; then
  echo "prod-local already runs on port $PORT (pid $(head -n1 "$PIDFILE")): $0 stop" >&2
  exit 1
fi

RUN=$(mktemp -d /tmp/sf-prodlocal.XXXXXX)
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  # Stop the front first (no new requests), then the app instances, the worker, the helpers.
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 75); do
    alive=0; for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.2
  done
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -f "$PIDFILE"
  echo "prod-local stopped (logs kept in $RUN)" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "$$" >"$PIDFILE"; echo "$RUN" >>"$PIDFILE"

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "installing nginx from Debian's packages" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null || \
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for p in "$PORT" "$APP1" "$APP2"; do
  if ! "$BIN/python" -c "import socket,sys;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('127.0.0.1',$p))" 2>/dev/null; then
    echo "port $p on 127.0.0.1 is taken: choose others with PORT / APP1_PORT / APP2_PORT" >&2; exit 1
  fi
done

# Database: create it if missing, migrate, load the demo catalogue once.
DBNAME=${PG_URL##*/}
psql "${PG_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$DBNAME'" | grep -q 1 || \
  psql "${PG_URL%/*}/postgres" -qc "CREATE DATABASE \"$DBNAME\""
export DATABASE_URL=$PG_URL
export STOREFRONT_ENV=production SITE_URL=${SITE_URL:-http://127.0.0.1:$PORT}
export SECRET_KEY=${SECRET_KEY:-prod-local-$(hostname)-not-secret}
# nginx is the one trusted hop: it replaces X-Forwarded-For with the peer address and sets
# X-Forwarded-Proto, so ProxyFix trusts exactly one of each. Plain http on loopback here.
export SESSION_COOKIE_SECURE=0 PROXY_FIX_X_FOR=1 PROXY_FIX_X_PROTO=1
export WORKER_TIMEOUT_SECONDS=${WORKER_TIMEOUT_SECONDS:-30}
# Mail leaves through the worker only: a request that queued some asks it for a drain job
# (storefront.mail.send_after_commit); its schedule drains every 5 s here as the backstop.
export MAIL_DRAIN_INTERVAL_SECONDS=${MAIL_DRAIN_INTERVAL_SECONDS:-5}
export MEDIA_DIR=${MEDIA_DIR:-$ROOT/instance/media-prodlocal} UPLOAD_DIR=${UPLOAD_DIR:-$ROOT/instance/uploads-prodlocal}

if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  LS_PORT=$(free_port)
  export STRIPE_WEBHOOK_SECRET=whsec_prodlocal_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # The webhook goes through nginx, as Stripe's would reach the load balancer.
  "$BIN/python" -m storefront.payments.localstripe --port "$LS_PORT" --persist "$RUN/localstripe.pickle" \
    --webhook-url "http://127.0.0.1:$PORT/stripe/webhook" --webhook-secret "$STRIPE_WEBHOOK_SECRET" \
    >"$RUN/localstripe.log" 2>&1 & PIDS+=($!)
  export STRIPE_SECRET_KEY=sk_test_localstripe STRIPE_PUBLISHABLE_KEY=pk_test_localstripe
  export STRIPE_API_BASE=http://127.0.0.1:$LS_PORT STRIPE_JS_URL=http://127.0.0.1:$LS_PORT/js.stripe.com/v3/
fi
if [ -z "${MAIL_SERVER:-}" ]; then
  SMTP_PORT=$(free_port)
  "$BIN/python" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$RUN/mail" \
    >"$RUN/smtp.log" 2>&1 & PIDS+=($!)
  export MAIL_SERVER=127.0.0.1 MAIL_PORT=$SMTP_PORT
fi

"$BIN/storefront" db upgrade 2>&1 | grep -v "^INFO" || true
if [ "$(psql "$PG_URL" -tAc 'SELECT count(*) FROM products')" = 0 ]; then
  "$BIN/storefront" seed load seed/products.json >/dev/null
  "$BIN/storefront" media illustrate >/dev/null
  "$BIN/storefront" seed articles seed/articles >/dev/null
fi

for p in $APP1 $APP2; do
  "$BIN/gunicorn" wsgi:app -b "127.0.0.1:$p" --workers "${GUNICORN_WORKERS:-2}" \
    --worker-class gthread --threads "${GUNICORN_THREADS:-4}" --timeout "$WORKER_TIMEOUT_SECONDS" \
    --keep-alive 75 \
    --graceful-timeout 10 --access-logfile "$RUN/app-$p-access.log" >"$RUN/app-$p.log" 2>&1 & PIDS+=($!)
done
"$BIN/storefront" worker >"$RUN/worker.log" 2>&1 & PIDS+=($!)

# Run as root, nginx would hand its workers to "nobody", who cannot read this temp dir.
cat >"$RUN/nginx.conf" <<CONF
user $(id -un) $(id -gn);
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log $RUN/nginx-access.log;
  client_body_temp_path $RUN/body; proxy_temp_path $RUN/proxy;
  fastcgi_temp_path $RUN/fcgi; uwsgi_temp_path $RUN/uwsgi; scgi_temp_path $RUN/scgi;
  client_max_body_size 13m;
  upstream storefront { server 127.0.0.1:$APP1 max_fails=1 fail_timeout=5s;
                        server 127.0.0.1:$APP2 max_fails=1 fail_timeout=5s;
                        # Idle upstream connections close on nginx's side first (gunicorn keeps
                        # them 75 s): a POST never meets a connection gunicorn just closed (502).
                        keepalive 32; keepalive_timeout 60s; }
  server {
    listen 127.0.0.1:$PORT default_server;
    server_name _;
    # What a CDN would serve: the static files straight from disk.
    location /static/ { alias $ROOT/static/; expires 1h; }
    location / {
      proxy_pass http://storefront;
      proxy_http_version 1.1; proxy_set_header Connection "";
      # One trusted hop: matches PROXY_FIX_X_FOR=1 / PROXY_FIX_X_PROTO=1 (a client's own
      # X-Forwarded-For is replaced, not appended to). The app's Host comes from SITE_URL.
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header Host \$host;
      # Only idempotent requests are retried on the other instance (nginx's default).
      proxy_next_upstream error timeout http_502 http_503; proxy_read_timeout 35s;
    }
  }
}
CONF
"$NGINX" -t -q -c "$RUN/nginx.conf" -p "$RUN" 2>>"$RUN/nginx-error.log" || { cat "$RUN/nginx-error.log" >&2; exit 1; }
"$NGINX" -c "$RUN/nginx.conf" -p "$RUN" -g 'daemon off;' 2>>"$RUN/nginx-error.log" & PIDS+=($!)

up() { curl -fs "http://127.0.0.1:$1/healthz" >/dev/null; }
for _ in $(seq 150); do up "$APP1" && up "$APP2" && up "$PORT" && break; sleep 0.2; done
for p in "$APP1" "$APP2" "$PORT"; do up "$p" || { echo "port $p did not answer /healthz; logs in $RUN" >&2; tail -n 20 "$RUN"/*.log >&2; exit 1; }; done
echo "storefront on http://127.0.0.1:$PORT (nginx -> gunicorn :$APP1 :$APP2, worker, $PG_URL, $REDIS_URL)"
echo "logs in $RUN${SMTP_PORT:+; mail (Maildir) in $RUN/mail}; stop with Ctrl-C or: $0 stop"

if [ "$MODE" = check ]; then
  "$BIN/python" scripts/prod_local_check.py "http://127.0.0.1:$PORT" --stripe "$STRIPE_API_BASE" \
    --maildir "${MAILDIR:-$RUN/mail}" --database "$PG_URL" --instances "127.0.0.1:$APP1,127.0.0.1:$APP2" \
    --access-logs "$RUN/app-$APP1-access.log,$RUN/app-$APP2-access.log"
  exit $?
fi
wait
