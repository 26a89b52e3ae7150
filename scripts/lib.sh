# Shared by scripts/dev and scripts/test: find or install the toolchain, run a private Postgres.
# Sourced, not executed. Everything it installs is cached outside the clone (~/.cargo/bin,
# ~/.cache/jiandu), so a second run on the same machine installs nothing.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${JIANDU_TOOLS:-$HOME/.cache/jiandu/tools}"
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132
CARGO_FUZZ_VERSION=0.13.1

say() { printf '\033[1;34m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[1;31merror: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  say "installing Debian packages: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_rust_tools() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once)"
    # no_downloads: it must take wasm-bindgen and wasm-opt from PATH; it cannot fetch them here.
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (must match the wasm-bindgen crate)"
    # Not --locked: one of its locked dependencies is no longer in the registry.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    command -v npm >/dev/null || die "npm not found: install Node.js first"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
  fi
}

# The environment cargo-leptos builds the wasm in (leptos reads some of it when compiled): the
# staff's wasm is built in the same, so the two builds share their compiled dependencies.
leptos_front_env() {
  export LEPTOS_OUTPUT_NAME=jiandu LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend \
    LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=true LEPTOS_HASH_FILES=false
}

# build_bundle PACKAGE NAME: one more wasm bundle beside the field one cargo-leptos built, built
# the way it builds that one: the wasm-release profile, wasm-bindgen for the web, wasm-opt -Oz.
build_bundle() {
  local package="$1" name="$2" target="${CARGO_TARGET_DIR:-$ROOT/target}" pkg="$ROOT/target/site/pkg"
  (
    cd "$ROOT" && leptos_front_env &&
      cargo build --package="$package" --lib --target-dir="$target/front" \
        --target=wasm32-unknown-unknown --profile=wasm-release
  ) || return 1
  wasm-bindgen --target=web --out-name="$name" --out-dir="$pkg" \
    "$target/front/wasm32-unknown-unknown/wasm-release/${package//-/_}.wasm" || return 1
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$pkg/${name}_bg.wasm" -o "$pkg/$name.wasm" || return 1
  rm -f "$pkg/${name}_bg.wasm" "$pkg/$name.d.ts" "$pkg/${name}_bg.wasm.d.ts"
}

# build_release: the release server and the field wasm (cargo-leptos), then the camera's wasm
# (the capture and answer forms) and the staff's (every island) beside it (`ui::island`).
build_release() {
  # From clean: after a development build, `cargo leptos build --release` has been seen to leave
  # the 14 MB debug wasm in target/site until a source file changed. Made anew, the site holds
  # only what this build wrote (the compiled crates stay; only the site's files are redone).
  rm -rf "$ROOT/target/site"
  (cd "$ROOT" && cargo leptos build --release) || return 1
  build_bundle frontend-camera jiandu-camera || return 1
  build_bundle frontend-desk jiandu-desk || return 1
  check_optimised_wasm "$ROOT/target/site/pkg"
}

# check_optimised_wasm DIR: fails unless every wasm bundle in DIR went through wasm-opt. A
# development build keeps its function names and DWARF (`name` and `.debug_*` custom sections,
# ~14 MB); a release build after one has been seen to leave that file in place, which would
# then be served and packaged as if it were the release.
check_optimised_wasm() {
  python3 - "$1" <<'PY'
import pathlib, sys

def leb(b, i):
    value = shift = 0
    while True:
        byte = b[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i

def custom_sections(path):
    b = path.read_bytes()
    if b[:4] != b"\0asm":
        raise SystemExit(f"{path}: not a wasm module")
    i, names = 8, []
    while i < len(b):
        kind = b[i]
        size, i = leb(b, i + 1)
        if kind == 0:
            length, j = leb(b, i)
            names.append(b[j:j + length].decode("utf-8", "replace"))
        i += size
    return names

pkg = pathlib.Path(sys.argv[1])
bundles = sorted(pkg.glob("*.wasm"))
if len(bundles) < 3:
    raise SystemExit(f"{pkg}: {len(bundles)} wasm bundles, expected the field, camera and desk ones")
bad = []
for wasm in bundles:
    kept = [n for n in custom_sections(wasm) if n == "name" or n.startswith(".debug")]
    if kept:
        bad.append(f"{wasm.name} ({wasm.stat().st_size} bytes) keeps {', '.join(kept)}")
if bad:
    print("not optimised, refusing the build: " + "; ".join(bad), file=sys.stderr)
    print(f"remove {pkg.parent} and build again", file=sys.stderr)
    raise SystemExit(1)
print(f"{len(bundles)} wasm bundles optimised: " + ", ".join(
    f"{w.name} {w.stat().st_size} bytes" for w in bundles))
PY
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

# jiandu_bin: the server binary for scripts/backup and scripts/restore: JIANDU_BIN, else the
# release build, else `jiandu` on PATH.
jiandu_bin() {
  local b
  for b in "${JIANDU_BIN:-}" "${CARGO_TARGET_DIR:-$ROOT/target}/release/jiandu" "$(command -v jiandu || true)"; do
    [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
  done
  die "no jiandu binary: set JIANDU_BIN, or build one with scripts/build-release"
}

# table_counts_sql: one query listing every table of the schema with its rows, as table|rows.
table_counts_sql() {
  cat <<'SQL'
select table_name || '|' || (xpath('/row/n/text()',
         query_to_xml(format('select count(*) as n from %I.%I', table_schema, table_name),
                      false, true, '')))[1]::text
  from information_schema.tables
 where table_schema = 'public' and table_type = 'BASE TABLE'
 order by table_name;
SQL
}

ensure_postgres_binaries() {
  pg_bin >/dev/null || apt_install postgresql postgresql-contrib
  pg_bin >/dev/null || die "PostgreSQL server binaries not found after install"
}

# start_private_pg DIR PORT: a throwaway cluster owned by this checkout, trust auth on loopback.
# Prints the base URL (without database name).
start_private_pg() {
  local dir="$1" port="$2" bin run=()
  ensure_postgres_binaries
  bin="$(pg_bin)"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root.
    chown -R postgres:postgres "$dir"
    run=(runuser -u postgres --)
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    say "creating a private PostgreSQL cluster in $dir"
    "${run[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! "${run[@]}" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    say "starting PostgreSQL on 127.0.0.1:$port"
    run_private_pg "$dir" "$port" || return 1
  fi
  echo "postgres://postgres@127.0.0.1:$port"
}

# run_private_pg DIR PORT: starts the cluster in DIR on 127.0.0.1:PORT (its socket in DIR, no
# fsync: a test cluster). A port already taken (another checkout's cluster, say) must stop the
# caller, not hand it somebody else's server.
run_private_pg() {
  local dir="$1" port="$2" run=()
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  if ! "${run[@]}" "$(pg_bin)/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" \
    start >/dev/null; then
    tail -n 5 "$dir/server.log" >&2
    say "PostgreSQL in $dir did not start on port $port (is the port taken?)"
    return 1
  fi
}

# start_private_replica DIR PORT PRIMARY_PORT: a streaming replica (hot standby) of the private
# cluster on PRIMARY_PORT, copied afresh with pg_basebackup each time (a copy of an earlier
# cluster would not follow a new one). Prints its base URL.
start_private_replica() {
  local dir="$1" port="$2" primary="$3" bin run=()
  bin="$(pg_bin)"
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  stop_private_pg "$dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  say "copying the cluster on port $primary into a streaming replica on 127.0.0.1:$port"
  # (It warns of the primary's socket in its folder, which it rightly skips: said only on failure.)
  if ! "${run[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir" \
    --write-recovery-conf --wal-method=stream --checkpoint=fast >"$dir.log" 2>&1; then
    cat "$dir.log" >&2
    return 1
  fi
  rm -f "$dir.log"
  rm -f "$dir/server.log" "$dir/postmaster.opts"
  # A standby takes reads by default (hot_standby = on).
  run_private_pg "$dir" "$port" || return 1
  echo "postgres://postgres@127.0.0.1:$port"
}

stop_private_pg() {
  local dir="$1" bin run=()
  bin="$(pg_bin)" || return 0
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
}

# create_db BASE_URL NAME [fresh]: makes sure the database exists (drops it first with "fresh").
create_db() {
  local base="$1" name="$2" fresh="${3:-}"
  command -v psql >/dev/null || apt_install postgresql-client
  if [ "$fresh" = fresh ]; then
    psql -q "$base/postgres" -c "drop database if exists \"$name\" with (force)" >/dev/null
  fi
  if ! psql -qtA "$base/postgres" -c "select 1 from pg_database where datname = '$name'" | grep -q 1; then
    psql -q "$base/postgres" -c "create database \"$name\"" >/dev/null
  fi
}

# base_url_of URL: strips the database name from a postgres URL.
base_url_of() {
  local url="$1"
  echo "${url%/*}"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
  # Chinese pages must render with real glyphs: layout, screenshots and Lighthouse depend on it.
  fc-list :lang=zh 2>/dev/null | grep -q . || apt_install fonts-noto-cjk
}

ensure_e2e_deps() {
  command -v npm >/dev/null || die "npm not found: install Node.js first"
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] \
     || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    say "installing the end-to-end test runner (Playwright, no browser download)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --silent)
  fi
}

# moto's S3 server (PyPI), for the database test of the S3 photo storage backend: a real S3 HTTP
# API on loopback. In a venv under $TOOLS, so the system Python is left alone.
MOTO_VERSION=5.2.5
ensure_moto() {
  local venv="$TOOLS/moto"
  local have
  have="$("$venv/bin/pip" show moto 2>/dev/null || true)"
  if [[ "$have" != *"Version: $MOTO_VERSION"* ]] || [ ! -x "$venv/bin/moto_server" ]; then
    say "installing moto[server] $MOTO_VERSION (an S3 server for the photo storage test)"
    command -v python3 >/dev/null || apt_install python3
    rm -rf "$venv"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  export JIANDU_MOTO_SERVER="$venv/bin/moto_server"
}

# Schemathesis (PyPI): generated requests against the API's OpenAPI document, for the api tier.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
  local venv="$TOOLS/schemathesis"
  local have
  have="$("$venv/bin/pip" show schemathesis 2>/dev/null || true)"
  if [[ "$have" != *"Version: $SCHEMATHESIS_VERSION"* ]] || [ ! -x "$venv/bin/schemathesis" ]; then
    say "installing schemathesis $SCHEMATHESIS_VERSION (generated requests against the API document)"
    command -v python3 >/dev/null || apt_install python3
    rm -rf "$venv"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

# ensure_cargo_fuzz: nightly Rust and cargo-fuzz, for scripts/fuzz only (libFuzzer needs
# nightly's sanitizer flags; the unit tier replays the corpus on stable).
ensure_cargo_fuzz() {
  if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    say "installing the nightly toolchain (for cargo-fuzz)"
    rustup toolchain install nightly --profile minimal
  fi
  if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    say "installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  fi
}

# ensure_mqtt: an MQTT broker for the device readings test on 127.0.0.1:1883 (the development
# machines run Mosquitto there). Where nothing listens, Debian's mosquitto is installed and one
# is started for this user, kept in memory only.
ensure_mqtt() {
  if (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then return; fi
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || apt_install mosquitto
  say "starting Mosquitto on 127.0.0.1:1883 for the device readings test"
  local conf="$TOOLS/mosquitto.conf"
  mkdir -p "$TOOLS"
  printf 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\n' >"$conf"
  "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -d -c "$conf"
  local i
  for ((i = 0; i < 40; i++)); do
    (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && return 0
    sleep 0.25
  done
  die "no MQTT broker on 127.0.0.1:1883 for the device readings test"
}

# nginx for the multi-server tier (scripts/check-multi), which runs its own instance on loopback.
ensure_nginx() {
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx
}

# wait_http URL SECONDS
wait_http() {
  local url="$1" secs="$2" i
  for ((i = 0; i < secs * 4; i++)); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

# ensure_secret FILE: exports JIANDU_SECRET (unless already set) from FILE, creating FILE with 32
# random bytes the first time. The same file keeps encrypted phone numbers readable across runs.
ensure_secret() {
  local file="$1"
  if [ -n "${JIANDU_SECRET:-}" ]; then return; fi
  if [ ! -s "$file" ]; then
    mkdir -p "$(dirname "$file")"
    (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$file")
  fi
  JIANDU_SECRET="$(cat "$file")"
  export JIANDU_SECRET
}
