#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's fixtures and a small
# generated CloudTrail log file (the corpora are not committed; see README.md).
set -eu
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/parse_input fuzz/corpus/config_parse
for f in fixtures/rules/*/*.json fixtures/rules/*/*.jsonl; do
    [ -f "$f" ] && cp "$f" "fuzz/corpus/parse_input/$(echo "$f" | tr / _)"
done
for f in fixtures/rules/*/config.toml; do
    [ -f "$f" ] && cp "$f" "fuzz/corpus/config_parse/$(echo "$f" | tr / _)"
done
printf '[[change_window]]\ndays = ["Tue", "Thu"]\nstart = "22:00"\nend = "02:00"\ntimezone = "UTC"\n\n[principals]\nbreak_glass = ["arn:aws:iam::111122223333:user/breakglass"]\ntrusted_automation = ["arn:aws:iam::111122223333:role/terraform-deploy"]\ntrusted_accounts = ["444455556666"]\nprotected = []\n' \
    > fuzz/corpus/config_parse/contract.toml
tmp="$(mktemp -d)"
cargo run -q --release -p trailguard --example gencorpus -- --out "$tmp" --records 120 --seed 7 --days 1 >/dev/null
# Small documents of every shape from the generated records (small inputs fuzz faster).
find "$tmp" -name '*.json.gz' | sort | head -1 | xargs zcat | python3 -c '
import json, sys
recs = json.load(sys.stdin)["Records"]
out = "fuzz/corpus/parse_input/"
for i in range(0, 24, 3):
    part = recs[i:i + 3]
    open(out + "records_%d.json" % i, "w").write(json.dumps({"Records": part}, separators=(",", ":")))
    open(out + "lines_%d.jsonl" % i, "w").write("".join(json.dumps(r) + "\n" for r in part))
    bridge = [{"version": "0", "detail-type": "AWS API Call via CloudTrail", "source": "aws.iam", "detail": r} for r in part]
    open(out + "eventbridge_%d.json" % i, "w").write(json.dumps(bridge))
'
rm -rf "$tmp"
echo "seeded: $(ls fuzz/corpus/parse_input | wc -l) parse_input, $(ls fuzz/corpus/config_parse | wc -l) config_parse inputs"
