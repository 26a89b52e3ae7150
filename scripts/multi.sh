# Sourced by scripts/check-multi (a tier of scripts/test) and scripts/bench-multi: three release
# servers on one PostgreSQL primary (a fresh `jiandu_multi` database of JIANDU_TEST_PG with the
# demo data), its streaming replica (JIANDU_TEST_REPLICA_PG: the public pages, the dashboard and
# the exports read from it) and one S3 bucket (moto's S3 server), behind nginx on loopback with
# the deploy guide's proxy settings (docs/deploy.md, "nginx in front"; no TLS on loopback).
#
# nginx listens on FRONT_PORT for the three servers and on ONE_PORT for the first alone, so a
# benchmark compares one and three servers behind the same nginx in one run. After
# `multi_up LOGS`: SERVERS (their addresses), PIDS (their processes), FRONT and ONE (nginx's
# addresses), and the servers' environment exported. Everything stops when the script exits (the
# private clusters too with MULTI_STOP_PG=1), and the script keeps its exit status.
: "${JIANDU_TEST_PG:?a PostgreSQL server (URL without database)}"
: "${JIANDU_TEST_REPLICA_PG:?a streaming replica of it (start_private_replica)}"
MULTI_BIN="$(jiandu_bin)"
MULTI_MOTO="${JIANDU_MOTO_SERVER:-moto_server}"
MULTI_NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
S3_PORT="${JIANDU_MULTI_S3_PORT:-55437}"
FRONT_PORT="${JIANDU_MULTI_PORT:-3210}"
ONE_PORT=$((FRONT_PORT + 9))
PORTS=("$((FRONT_PORT + 1))" "$((FRONT_PORT + 2))" "$((FRONT_PORT + 3))")
FRONT="http://127.0.0.1:$FRONT_PORT"
ONE="http://127.0.0.1:$ONE_PORT"
SERVERS=()
for p in "${PORTS[@]}"; do SERVERS+=("http://127.0.0.1:$p"); done
MULTI_WORK="$(mktemp -d)"
PIDS=() MOTO_PID=""

multi_down() {
  # Keeps the script's status: a server a test killed is gone already, and its failed kill must
  # neither end this cleanup half-way (set -e) nor fail a run that passed.
  local status=$? p
  set +e
  [ -f "$MULTI_WORK/nginx.pid" ] && kill "$(cat "$MULTI_WORK/nginx.pid")" 2>/dev/null
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$MULTI_WORK"
  if [ -n "${MULTI_STOP_PG:-}" ]; then
    stop_private_pg "$ROOT/.data/pg-test-replica"
    stop_private_pg "$ROOT/.data/pg-test"
  fi
  exit "$status"
}
trap multi_down EXIT

multi_up() {
  local logs="$1" p port
  mkdir -p "$logs"
  for p in "$FRONT_PORT" "$ONE_PORT" "${PORTS[@]}" "$S3_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      die "port $p is taken (an earlier run's server?): stop it, or set JIANDU_MULTI_PORT / JIANDU_MULTI_S3_PORT"
    fi
  done
  create_db "$JIANDU_TEST_PG" jiandu_multi fresh
  "$MULTI_MOTO" -H 127.0.0.1 -p "$S3_PORT" >"$logs/multi-moto.log" 2>&1 &
  MOTO_PID=$!
  wait_http "http://127.0.0.1:$S3_PORT" 30 || die "moto's S3 server did not start on $S3_PORT"
  # moto does not check signatures: a bare PUT makes the bucket.
  curl -fsS -X PUT "http://127.0.0.1:$S3_PORT/multi" >/dev/null

  ensure_secret "$MULTI_WORK/secret"
  export DATABASE_URL="$JIANDU_TEST_PG/jiandu_multi" \
    DATABASE_REPLICA_URL="$JIANDU_TEST_REPLICA_PG/jiandu_multi" JIANDU_REPLICA_MAX_LAG=5 \
    JIANDU_MEDIA_URL=s3://multi/photos AWS_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ALLOW_HTTP=true \
    AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_OUTPUT_NAME=jiandu LEPTOS_ENV=PROD \
    RUST_LOG="${RUST_LOG:-warn}" RUST_BACKTRACE=1 JIANDU_PUBLIC_URL="$FRONT" \
    JIANDU_TRUSTED_PROXIES=127.0.0.1 JIANDU_METRICS_TOKEN=multi-server-metrics-token \
    JIANDU_COMMENT_BURST="${JIANDU_COMMENT_BURST:-200}" JIANDU_READ_BURST="${JIANDU_READ_BURST:-2000}"
  "$MULTI_BIN" demo-data >/dev/null

  for port in "${PORTS[@]}"; do
    LEPTOS_SITE_ADDR="127.0.0.1:$port" "$MULTI_BIN" serve >"$logs/multi-server-$port.log" 2>&1 &
    PIDS+=($!)
  done
  for port in "${PORTS[@]}"; do
    wait_http "http://127.0.0.1:$port/readyz" 60 \
      || { cat "$logs/multi-server-$port.log"; die "the server on $port did not become ready"; }
  done

  mkdir -p "$MULTI_WORK/tmp"
  local proxy
  proxy="
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Request-Id \$request_id;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_read_timeout 120s;"
  cat >"$MULTI_WORK/nginx.conf" <<EOF
worker_processes 1;
daemon on;
user root;
pid $MULTI_WORK/nginx.pid;
error_log $logs/multi-nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $MULTI_WORK/tmp/body;
    proxy_temp_path $MULTI_WORK/tmp/proxy;
    fastcgi_temp_path $MULTI_WORK/tmp/fastcgi;
    uwsgi_temp_path $MULTI_WORK/tmp/uwsgi;
    scgi_temp_path $MULTI_WORK/tmp/scgi;
    client_max_body_size 80m;
    upstream jiandu {
        server 127.0.0.1:${PORTS[0]} max_fails=2 fail_timeout=5s;
        server 127.0.0.1:${PORTS[1]} max_fails=2 fail_timeout=5s;
        server 127.0.0.1:${PORTS[2]} max_fails=2 fail_timeout=5s;
        keepalive 64;
    }
    upstream jiandu_one {
        server 127.0.0.1:${PORTS[0]};
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$FRONT_PORT;
        # When no server answers: a page in both languages, not nginx's own.
        error_page 502 504 /unavailable.html;
        location = /unavailable.html {
            root $ROOT/target/site;
            internal;
        }
        location /pkg/ {
            proxy_pass http://jiandu;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout http_404;
        }
        location / {
            proxy_pass http://jiandu;$proxy
        }
    }
    server {
        listen 127.0.0.1:$ONE_PORT;
        location / {
            proxy_pass http://jiandu_one;$proxy
        }
    }
}
EOF
  "$MULTI_NGINX" -c "$MULTI_WORK/nginx.conf" -p "$MULTI_WORK" || die "nginx did not start"
  wait_http "$FRONT/healthz" 20 || die "nginx does not reach the servers"
}
