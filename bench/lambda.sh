#!/usr/bin/env bash
# The Lambda's figures, measured on the deployed artefact against a local
# moto_server and the Lambda runtime emulator (loopback only):
# - the deployment zip's size (`cargo lambda build --release --output-format
#   zip -p trailguard-lambda`, x86_64 here; the module defaults to arm64);
# - cold-start initialisation of the function process (`init_ms` of its
#   "trailguard-lambda ready" log line: environment, SDK config, clients,
#   engine; the caller identity (sts:GetCallerIdentity) waits for the first
#   quarantine);
# - per-event handling time p50/p99 (`handle_ms` of its "invocation done" log
#   lines) for non-matching events and a matching one (claim in DynamoDB +
#   SNS publish against moto), sent one at a time through
#   `cargo lambda watch --only-lambda-apis` (bench/lambda_drive.py);
# - the function process's peak RSS after all of them.
#
#   bench/lambda.sh              # the release zip's bootstrap (slow first build)
#   PROFILE=debug bench/lambda.sh  # the debug binary the tests share
#   N=1000 bench/lambda.sh       # invocations per kind (default 300)
#
# Targets: init < 50 ms, p50 < 1 ms for a non-matching event, RSS < 128 MB.
# Figures only: nothing here fails because a machine is slow.
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT" || exit 2
PROFILE="${PROFILE:-release}"
N="${N:-300}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
VENV="$ROOT/.venv/bin"
MOTO="${TRAILGUARD_MOTO_SERVER:-$VENV/moto_server}"
CARGO_LAMBDA="${TRAILGUARD_CARGO_LAMBDA:-$VENV/cargo-lambda}"
# cargo lambda links with Zig (the `ziglang` package cargo-lambda brings into
# the venv) against an old glibc, so the bootstrap runs on provided.al2023.
export PATH="$VENV:$PATH"
[ -x "$CARGO_LAMBDA" ] || { echo "cargo-lambda missing: run scripts/test.sh once (it makes .venv)" >&2; exit 2; }
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$PROFILE" = release ]; then
  "$CARGO_LAMBDA" lambda build --release --output-format zip -p trailguard-lambda >&2 || exit 2
  zip="$TARGET/lambda/trailguard-lambda/bootstrap.zip"
  echo "== zip: $(du -k "$zip" | cut -f1) KB ($zip)"
  (cd "$work" && "$VENV/python" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(".")' "$zip") || exit 2
  BIN="$work/bootstrap"
  chmod +x "$BIN"
  echo "== unzipped bootstrap: $(du -k "$BIN" | cut -f1) KB"
  if command -v objdump >/dev/null; then
    glibc="$(objdump -T "$BIN" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
    echo "== newest glibc symbol it needs: ${glibc:-none} (provided.al2023 has 2.34)"
  fi
else
  cargo build -q -p trailguard-lambda --bin trailguard-lambda || exit 2
  # With CARGO_BUILD_BUILD_DIR set, binaries land in the build dir; take the newest.
  BIN="$(ls -t "$TARGET/debug/trailguard-lambda" "${CARGO_BUILD_BUILD_DIR:-/nonexistent}/debug/trailguard-lambda" 2>/dev/null | head -1)"
fi

free_port() { "$VENV/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 600); do
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1" >&2; exit 2
}

moto_port="$(free_port)"
setsid "$MOTO" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
wait_port "$moto_port"
endpoint="http://127.0.0.1:$moto_port"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
  AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
topic="$("$VENV/python" bench/lambda_drive.py setup "$endpoint")" || exit 2

rt_port="$(free_port)"
setsid "$CARGO_LAMBDA" lambda watch --only-lambda-apis --invoke-address 127.0.0.1 \
  --invoke-port "$rt_port" >"$work/watch.log" 2>&1 &
pids+=($!)
wait_port "$rt_port"

log="$work/function.log"
AWS_ENDPOINT_URL="$endpoint" AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$rt_port/.rt" \
  AWS_LAMBDA_FUNCTION_NAME=_ AWS_LAMBDA_FUNCTION_VERSION=1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 \
  TRAILGUARD_TABLE=bench TRAILGUARD_TOPIC_ARN="$topic" RUST_LOG=info \
  setsid "$BIN" >"$log" 2>&1 &
fn_pid=$!
pids+=($fn_pid)
for _ in $(seq 1 600); do
  grep -q 'trailguard-lambda ready' "$log" && break
  sleep 0.05
done
grep -q 'trailguard-lambda ready' "$log" || { echo "the function did not start:" >&2; cat "$log" >&2; exit 2; }

echo "== the function process ($PROFILE, N=$N per kind, $(nproc) cores)"
"$VENV/python" bench/lambda_drive.py drive "$rt_port" "$log" "$fn_pid" "$N"
