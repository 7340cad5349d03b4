#!/usr/bin/env bash
# The KV-cache quality grid of issue 19 (README "KV caching"): every method at T = 16, 32, 64 on
# the embedded model's held-out instances (minicode, 200 tasks), 3 run seeds, for each cache
# setting. 600 samples per cell. Seeds run in the outer loop, so a partial grid still compares
# every setting on the same seeds. Resumable: eval resumes a folder it has started.
#   usage: Tools/cachegrid/run.sh OUT_DIR [TOLERATOR_BINARY]
# Then: python3 Tools/cachegrid/table.py OUT_DIR
set -euo pipefail
out=${1:?usage: run.sh OUT_DIR [TOLERATOR_BINARY]}
bin=${2:-.build/release/tolerator}
settings=${SETTINGS:-"none prefix dual dual-r4"}
for seed in 0 1 2; do
  for setting in $settings; do
    case $setting in
      none) flags=(--cache none) ;;
      prefix) flags=(--cache prefix) ;;
      dual) flags=(--cache dual) ;;
      dual-r*) flags=(--cache dual --cache-refresh "${setting#dual-r}") ;;
      prefix-r*) flags=(--cache prefix --cache-refresh "${setting#prefix-r}") ;;
      *) echo "unknown setting $setting" >&2; exit 2 ;;
    esac
    echo "== seed $seed, $setting"
    "$bin" eval --suite minicode --limit 200 --methods vanilla,tolerator,remdm,rcr --nfe 16,32,64 \
      --seed "$seed" --lanes 2 --threads 1 "${flags[@]}" --out "$out/$setting-s$seed" 2>&1 | tail -4
  done
done
