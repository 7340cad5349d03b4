#!/usr/bin/env bash
# Submits a sharded eval and its merge: an array of N shards (slurm-eval.sh), then a merge job
# that starts when every shard has succeeded (afterok).
#
#   SHARDS=8 RUN_DIR=/shared/runs/humaneval Examples/cluster/slurm-submit.sh --suite humaneval \
#       --model /shared/models/Dream-v0-Instruct-7B --methods vanilla,tolerator --nfe 64
#
# Results: $RUN_DIR/merged (report.html, results.jsonl, ...), as an unsharded eval writes them.
# Environment: SHARDS (N, default 3), RUN_DIR (default runs/eval), TOLERATOR (the binary),
# CPUS (CPUs per shard, default: slurm-eval.sh's #SBATCH --cpus-per-task), SBATCH_OPTIONS
# (more sbatch options for the shards, e.g. "--partition=cpu --time=2-00:00:00").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${SHARDS:-3}
run_dir=${RUN_DIR:-runs/eval}
export RUN_DIR=$run_dir SHARDS=$n
# shellcheck disable=SC2086  # SBATCH_OPTIONS is a list of options
shards=$(sbatch --parsable --array="0-$((n - 1))" ${CPUS:+--cpus-per-task="$CPUS"} ${SBATCH_OPTIONS:-} "$here/slurm-eval.sh" "$@")
shards=${shards%%;*}
folders=""
for k in $(seq 0 $((n - 1))); do folders="$folders $run_dir/shard-$k"; done
merge=$(sbatch --parsable --dependency="afterok:$shards" --job-name=tolerator-merge --output="tolerator-merge-%j.log" \
    --wrap "${TOLERATOR:-tolerator} merge $run_dir/merged$folders")
echo "shards: job $shards (array 0-$((n - 1))); merge: job ${merge%%;*} -> $run_dir/merged"
