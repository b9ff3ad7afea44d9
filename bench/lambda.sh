#!/usr/bin/env bash
# The Lambda's figures against a local moto_server (loopback only):
# - cold-start initialisation of the function process (`init_ms` from its
#   "trailguard-lambda ready" log line: environment, SDK config, clients,
#   sts:GetCallerIdentity, engine), and that process's peak RSS;
# - per-event handling time p50/p99 for a non-matching and a matching event
#   (examples/bench.rs: the real DynamoDB/SNS backend against moto), and the
#   bench process's peak RSS;
# - the deployment zip's size, when target/lambda/trailguard-lambda/bootstrap.zip
#   exists (`cargo lambda build --release --output-format zip -p trailguard-lambda`).
#
#   bench/lambda.sh              # debug build (what the tests share)
#   PROFILE=release bench/lambda.sh
#   N=1000 bench/lambda.sh       # events per kind (default 300)
#
# Targets: init < 50 ms, p50 < 1 ms for a non-matching event, RSS < 128 MB.
# Figures only: nothing here fails because a machine is slow.
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT" || exit 2
PROFILE="${PROFILE:-debug}"
N="${N:-300}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
MOTO="${TRAILGUARD_MOTO_SERVER:-$ROOT/.venv/bin/moto_server}"
flag=()
[ "$PROFILE" = release ] && flag=(--release)

cargo build -q "${flag[@]}" -p trailguard-lambda --bin trailguard-lambda --example bench || exit 2
# With CARGO_BUILD_BUILD_DIR set, binaries land in the build dir; find the newest.
find_bin() {
  ls -t "$TARGET/$PROFILE/$1" "${CARGO_BUILD_BUILD_DIR:-/nonexistent}/$PROFILE/$1" 2>/dev/null | head -1
}
BIN="$(find_bin trailguard-lambda)"
EX="$(find_bin examples/bench)"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$MOTO" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null' EXIT
for _ in $(seq 1 200); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
  AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
endpoint="http://127.0.0.1:$port"

echo "== per-event handling against moto ($PROFILE, N=$N)"
TRAILGUARD_BENCH_ENDPOINT="$endpoint" TRAILGUARD_BENCH_N="$N" "$EX"

echo "== cold start of the function process ($PROFILE)"
# No Lambda runtime API here: the process initialises, logs, then stops at
# the first poll (expected), so init_ms and its peak RSS are what it shows.
log="$(mktemp)"
TRAILGUARD_TABLE=bench TRAILGUARD_TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:bench" \
  AWS_ENDPOINT_URL="$endpoint" AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 RUST_LOG=info \
  /usr/bin/time -f 'function process peak RSS: %M KB' "$BIN" >"$log" 2>&1
grep -o '"init_ms":[0-9.]*' "$log" | sed 's/"init_ms":/function init: /; s/$/ ms/'
grep 'peak RSS' "$log"
rm -f "$log"

zip="$TARGET/lambda/trailguard-lambda/bootstrap.zip"
if [ -f "$zip" ]; then
  echo "== zip: $(du -k "$zip" | cut -f1) KB ($zip)"
else
  echo "== zip: not built (cargo lambda build --release --output-format zip -p trailguard-lambda)"
fi
