#!/usr/bin/env bash
# End-to-end throughput of `trailguard hunt` against the usual alternatives, on a
# generated CloudTrail corpus (gzip S3 log files, real key layout).
#
#   bench/hunt.sh                 # 200k records (and 400k for the memory row)
#   RECORDS=50000 bench/hunt.sh   # smaller
#   SKIP_2X=1 bench/hunt.sh       # without the 2x-corpus memory row
#   REPEAT=1 bench/hunt.sh        # one run per trailguard row (default: best of 3)
#
# Builds the release binary (honours CARGO_TARGET_DIR), generates the corpus once
# under bench/out/ (reused while its manifest matches), then prints one row per
# tool: wall time, records/s and MB/s of uncompressed JSON, peak RSS. Figures
# only: nothing here fails because a machine is slow.
set -u

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT" || exit 2
RECORDS="${RECORDS:-200000}"
REPEAT="${REPEAT:-3}" # runs per trailguard row (best wall time is shown)
SEED="${SEED:-42}"
OUT="$ROOT/bench/out"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
BIN="$TARGET/release/trailguard"
GEN="$TARGET/release/examples/gencorpus"
# The eventNames the jq and Python baselines select (what a hunter greps for).
NAMES=(CreateUser AttachUserPolicy PutUserPolicy CreateAccessKey CreateLoginProfile UpdateLoginProfile
       AttachRolePolicy PutRolePolicy UpdateAssumeRolePolicy CreateRole StopLogging DeleteTrail
       PutEventSelectors UpdateTrail TerminateInstances AuthorizeSecurityGroupIngress
       ModifySnapshotAttribute PutBucketPolicy DeactivateMFADevice ConsoleLogin)

echo "building release binary and corpus generator (target: $TARGET) ..." >&2
cargo build --release -q -p trailguard --bin trailguard --example gencorpus || exit 2

manifest() { sed -n "s/^$2=//p" "$1/.gencorpus" 2>/dev/null; }

# corpus DIR RECORDS DAYS: generates unless a complete corpus is there.
corpus() {
    if [ "$(manifest "$1" records)" != "$2" ] || [ "$(manifest "$1" seed)" != "$SEED" ]; then
        rm -rf "$1"
        echo "generating $2 records into $1 ..." >&2
        "$GEN" --out "$1" --records "$2" --seed "$SEED" --days "$3" >&2 || exit 2
    fi
}

C1="$OUT/corpus-$RECORDS"
corpus "$C1" "$RECORDS" 3
MB=$(awk -v b="$(manifest "$C1" json_bytes)" 'BEGIN { printf "%.1f", b / 1e6 }')
GZ=$(awk -v b="$(manifest "$C1" gz_bytes)" 'BEGIN { printf "%.1f", b / 1e6 }')
FILES=$(manifest "$C1" files)

TIMEFILE="$(mktemp)"
trap 'rm -f "$TIMEFILE"' EXIT
HAVE_TIME=0
if /usr/bin/time -f "%e" -o "$TIMEFILE" true 2>/dev/null; then HAVE_TIME=1; fi

# best N CMD...: `measure` N times; keeps the shortest wall time and the largest RSS.
best() {
    local n=$1 w=999999 r=0 i
    shift
    for ((i = 0; i < n; i++)); do
        measure "$@"
        w=$(awk -v a="$w" -v b="$WALL" 'BEGIN { print (b < a) ? b : a }')
        r=$(awk -v a="$r" -v b="$RSS" 'BEGIN { print (b > a) ? b : a }')
    done
    WALL=$w
    RSS=$r
}

# measure CMD...: runs it (stdout to $RESULT_OUT), sets WALL (s) and RSS (MB).
# With GNU time: its wall clock and max RSS (the largest process of a pipeline).
# Without: wall from date, RSS from polling /proc/PID/status VmHWM (sampled).
RESULT_OUT="$(mktemp)"
trap 'rm -f "$TIMEFILE" "$RESULT_OUT"' EXIT
measure() {
    if [ "$HAVE_TIME" = 1 ]; then
        /usr/bin/time -f "%e %M" -o "$TIMEFILE" "$@" >"$RESULT_OUT" 2>/dev/null
        # GNU time prepends "Command exited with non-zero status N" (hunt exits 1 on findings).
        read -r WALL RSS_KB < <(tail -n 1 "$TIMEFILE")
    else
        local start end pid hwm
        start=$(date +%s.%N)
        "$@" >"$RESULT_OUT" 2>/dev/null &
        pid=$!
        RSS_KB=0
        while kill -0 "$pid" 2>/dev/null; do
            hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
            [ -n "$hwm" ] && [ "$hwm" -gt "$RSS_KB" ] && RSS_KB=$hwm
            sleep 0.05
        done
        wait "$pid"
        end=$(date +%s.%N)
        WALL=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    fi
    RSS=$(awk -v k="${RSS_KB:-0}" 'BEGIN { printf "%.0f", k / 1024 }')
}

row() { # name records wall rss result
    awk -v n="$1" -v r="$2" -v w="$3" -v m="$MB_ROW" -v rss="$4" -v res="$5" 'BEGIN {
        if (w <= 0) w = 0.01
        printf "%-38s %8.2f %12.0f %9.1f %10s  %s\n", n, w, r / w, m / w, rss, res }'
}

CORES=$(nproc 2>/dev/null || echo "?")
echo
echo "corpus: $RECORDS records in $FILES files, $MB MB JSON, $GZ MB gzip ($C1)"
echo "machine: $CORES cores, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null); $([ "$HAVE_TIME" = 1 ] && echo "RSS from /usr/bin/time" || echo "RSS sampled from /proc")"
echo
echo "trailguard rows: best wall time of $REPEAT runs; MB/s counts uncompressed JSON"
printf "%-38s %8s %12s %9s %10s  %s\n" "tool" "wall s" "records/s" "MB/s" "peak RSS" "result"
MB_ROW=$MB

best "$REPEAT" "$BIN" hunt --format json --threads 1 "$C1"
row "trailguard hunt --threads 1" "$RECORDS" "$WALL" "${RSS} MB" "$(wc -l <"$RESULT_OUT") findings"
best "$REPEAT" "$BIN" hunt --format json "$C1"
row "trailguard hunt (threads: $CORES)" "$RECORDS" "$WALL" "${RSS} MB" "$(wc -l <"$RESULT_OUT") findings"

JQ_SET=$(printf '"%s",' "${NAMES[@]}")
JQ_FILTER=".Records[] | select(.eventName | IN(${JQ_SET%,})) | .eventID"
if command -v jq >/dev/null && command -v zcat >/dev/null; then
    measure sh -c 'find "$1" -name "*.json.gz" -print0 | sort -z | xargs -0 zcat | jq -c "$2"' sh "$C1" "$JQ_FILTER"
    row "zcat | jq (20-eventName select)" "$RECORDS" "$WALL" "${RSS} MB" "$(wc -l <"$RESULT_OUT") matches"
else
    echo "zcat | jq                              (jq or zcat not installed)"
fi

PY=$(command -v python3 || command -v python || true)
if [ -n "$PY" ]; then
    measure "$PY" - "$C1" "${NAMES[@]}" <<'EOF'
import gzip, json, os, sys
root, names = sys.argv[1], set(sys.argv[2:])
hits = 0
for d, _, files in sorted(os.walk(root)):
    for f in sorted(files):
        if f.endswith(".json.gz"):
            with gzip.open(os.path.join(d, f), "rb") as fh:
                for r in json.load(fh).get("Records", []):
                    if r.get("eventName") in names:
                        hits += 1
print(hits)
EOF
    row "python json + gzip (same select)" "$RECORDS" "$WALL" "${RSS} MB" "$(head -1 "$RESULT_OUT") matches"
else
    echo "python json + gzip                     (python3 not installed)"
fi

if [ "${SKIP_2X:-0}" != 1 ]; then
    R2=$((RECORDS * 2))
    C2="$OUT/corpus-$R2"
    corpus "$C2" "$R2" 6
    MB_ROW=$(awk -v b="$(manifest "$C2" json_bytes)" 'BEGIN { printf "%.1f", b / 1e6 }')
    echo
    echo "memory vs input size (2x corpus: $R2 records over 6 days, $MB_ROW MB JSON):"
    best "$REPEAT" "$BIN" hunt --format json --threads 1 "$C2"
    row "trailguard hunt --threads 1, 2x" "$R2" "$WALL" "${RSS} MB" "$(wc -l <"$RESULT_OUT") findings"
    best "$REPEAT" "$BIN" hunt --format json "$C2"
    row "trailguard hunt (threads: $CORES), 2x" "$R2" "$WALL" "${RSS} MB" "$(wc -l <"$RESULT_OUT") findings"
fi
exit 0
