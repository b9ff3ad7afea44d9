#!/usr/bin/env bash
# Wall time of `trailguard scan` (posture only, --lookback 0) against a local
# moto_server seeded with a large IAM account (bench/seed_users.py: USERS users,
# each with an access key, half with console passwords, every 20th an admin,
# ten groups).
#
#   bench/scan.sh                  # 1,000 users, best of 3 scans
#   USERS=200 REPEAT=1 bench/scan.sh
#   SKIP_BUILD=1 bench/scan.sh     # use the release binary as it is
#   SCAN_ARGS=--deep bench/scan.sh # extra scan arguments (--deep: per-user key and SSH key calls)
#   PROWLER=/path/to/prowler bench/scan.sh   # also time `prowler aws --service iam`
#
# moto_server and boto3 come from VENV (default: the workspace .venv, else
# /work/main/.venv). Prints the seeding time, then for the scan: wall time, API
# calls (from its last stderr line) and findings per rule. Figures only: nothing
# here fails because a machine is slow.
set -u

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT" || exit 2
USERS="${USERS:-1000}"
REPEAT="${REPEAT:-3}"
VENV="${VENV:-}"
if [ -z "$VENV" ]; then
    if [ -x "$ROOT/.venv/bin/moto_server" ]; then VENV="$ROOT/.venv"; else VENV=/work/main/.venv; fi
fi
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
BIN="$TARGET/release/trailguard"
OUT="$ROOT/bench/out/scan"
mkdir -p "$OUT"

if [ -z "${SKIP_BUILD:-}" ]; then
    echo "building the release binary (target: $TARGET) ..." >&2
    cargo build --release -q -p trailguard --bin trailguard || exit 2
fi
[ -x "$BIN" ] || { echo "no release binary at $BIN" >&2; exit 2; }

PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ENDPOINT="http://127.0.0.1:$PORT"
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$OUT/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null; wait "$MOTO_PID" 2>/dev/null' EXIT
for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="$ENDPOINT"
"$VENV/bin/python" "$ROOT/bench/seed_users.py" --endpoint "$ENDPOINT" --users "$USERS" || exit 2

now() { date +%s.%N; }
HAVE_TIME=0
if /usr/bin/time -f "%U" -o /dev/null true 2>/dev/null; then HAVE_TIME=1; fi

# One scan; prints its wall time in seconds (and leaves its CPU time in $OUT/cpu).
scan_once() {
    local t0 t1 cmd=("$BIN" scan --lookback 0 --format json --endpoint-url "$ENDPOINT")
    # shellcheck disable=SC2206 # SCAN_ARGS is split on purpose
    cmd+=(${SCAN_ARGS:-})
    t0=$(now)
    if [ "$HAVE_TIME" = 1 ]; then
        /usr/bin/time -f "%U %S" -o "$OUT/cpu" "${cmd[@]}" >"$OUT/findings.jsonl" 2>"$OUT/stderr.txt"
    else
        "${cmd[@]}" >"$OUT/findings.jsonl" 2>"$OUT/stderr.txt"
    fi
    echo "$?" >"$OUT/status"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

best="" all=""
for _ in $(seq 1 "$REPEAT"); do
    w=$(scan_once)
    all="$all ${w}s"
    if [ -z "$best" ] || awk -v w="$w" -v b="$best" 'BEGIN { exit !(w < b) }'; then best=$w; fi
done

echo
echo "trailguard scan ${SCAN_ARGS:-}, $USERS users: best ${best} s wall (runs:$all), exit $(cat "$OUT/status")"
if [ "$HAVE_TIME" = 1 ]; then
    awk '{ printf "  trailguard CPU (last run): %.2f s user + %.2f s sys; the rest of the wall time is moto answering\n", $1, $2 }' <(tail -n 1 "$OUT/cpu")
fi
echo "  $(tail -n 1 "$OUT/stderr.txt")"
grep '^trailguard: partial result' "$OUT/stderr.txt" | sed 's/^/  /'
echo "  findings by rule:"
"$VENV/bin/python" - "$OUT/findings.jsonl" <<'EOF'
import collections, json, sys
rules = collections.Counter()
sev = collections.Counter()
for line in open(sys.argv[1]):
    if line.strip():
        f = json.loads(line)
        rules[f["rule_id"]] += 1
        sev[f["severity"]] += 1
for rule, n in sorted(rules.items()):
    print(f"    {n:6d}  {rule}")
print("    total", sum(rules.values()), dict(sorted(sev.items())))
EOF

if [ -n "${PROWLER:-}" ]; then
    t0=$(now)
    "$PROWLER" aws --service iam --no-banner -M json-ocsf -o "$OUT/prowler" >"$OUT/prowler.log" 2>&1
    status=$?
    t1=$(now)
    pw=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    echo
    echo "prowler aws --service iam: ${pw} s wall, exit $status (3 = checks failed; log: $OUT/prowler.log)"
    awk -v p="$pw" -v t="$best" 'BEGIN { printf "trailguard scan is %.1fx faster on this machine\n", p / t }'
fi
