#!/usr/bin/env bash
# One shard of a tolerator eval per Slurm array task; the arguments are eval's.
#
#   sbatch --array=0-2 Examples/cluster/slurm-eval.sh --suite humaneval --model ~/models/Dream-v0-Instruct-7B \
#       --methods vanilla,tolerator --nfe 64,128 --samples 5
#   # when every array task has finished (or: Examples/cluster/slurm-submit.sh does both steps):
#   tolerator merge runs/eval/merged runs/eval/shard-*
#
# Array task K of N runs `tolerator eval --shard K/N --out $RUN_DIR/shard-K ARGS...`: its own
# folder, run.json and journal. A shard that was killed or preempted resumes where it stopped
# when it is submitted again (sbatch --array=K ...); the other shards are not touched.
# Environment: RUN_DIR (default runs/eval, on a filesystem every node sees), TOLERATOR (the
# binary, default: tolerator on PATH), SHARDS (N, default: the array's task count).
#SBATCH --job-name=tolerator-eval
#SBATCH --cpus-per-task=8
#SBATCH --output=tolerator-eval-%A_%a.log
set -euo pipefail
k=${SLURM_ARRAY_TASK_ID:?"submit as an array job: sbatch --array=0-(N-1) $0 EVAL-ARGS..."}
n=${SHARDS:-${SLURM_ARRAY_TASK_COUNT:-$(( ${SLURM_ARRAY_TASK_MAX:?} + 1 ))}}
run_dir=${RUN_DIR:-runs/eval}
mkdir -p "$run_dir"
threads=${SLURM_CPUS_PER_TASK:-1}
exec "${TOLERATOR:-tolerator}" eval --shard "$k/$n" --out "$run_dir/shard-$k" --threads "$threads" "$@"
