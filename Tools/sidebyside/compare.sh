#!/usr/bin/env bash
# tolerator's forward against llama.cpp's diffusion step on the same weights, alternating the two
# programs ROUNDS times so both see the same background load; prints every round and the medians.
#   usage: compare.sh DIR LLAMA_DIFFUSION_CLI [ROUNDS]
# DIR is make_random_llada.py's output (hf/ and one model-*.gguf). L = 512, 2 threads.
# AVX2=1 times tolerator as on an AVX2-only CPU (OpenBLAS Haswell kernel, AVX2 row kernels,
# f32 compute); give it a llama.cpp built with -DGGML_NATIVE=OFF -DGGML_AVX512=OFF (README here).
set -euo pipefail
dir=${1:?usage: compare.sh DIR LLAMA_DIFFUSION_CLI [ROUNDS]}
llama=${2:?usage: compare.sh DIR LLAMA_DIFFUSION_CLI [ROUNDS]}
rounds=${3:-3}
bin=${TOLERATOR:-.build/release/tolerator}
gguf=$(ls "$dir"/model-*.gguf | head -1)
env_args=()
tol_args=(--model "$dir/hf" --length 512 --threads 2 --iterations 5 --json)
if [[ "${AVX2:-0}" == 1 ]]; then
  env_args=(OPENBLAS_CORETYPE=Haswell TOLERATOR_MAX_ISA=avx2)
  tol_args+=(--compute f32)
fi
ours=() theirs=()
for round in $(seq "$rounds"); do
  json=$(env "${env_args[@]}" "$bin" bench forward "${tol_args[@]}")
  ms=$(python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print("%.1f %s %s %s" % (r["median_ms"], r["compute"], r["kernel"], r["row_kernels"]))' <<<"$json")
  step=$("$llama" -m "$gguf" -p "hello world" -ub 512 -c 512 -b 512 --diffusion-steps 16 \
         --diffusion-block-length 32 -t 2 --temp 0 2>&1 | sed -n 's/.*total time: [0-9.]*ms, time per step: \([0-9.]*\)ms.*/\1/p')
  echo "round $round: tolerator $ms ms per forward | llama.cpp $step ms per step"
  ours+=("${ms%% *}") theirs+=("$step")
done
python3 - "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
ours = [float(x) for x in sys.argv[1].split()]
theirs = [float(x) for x in sys.argv[2].split()]
a, b = statistics.median(ours), statistics.median(theirs)
print(f"median: tolerator {a:.1f} ms, llama.cpp {b:.1f} ms per step; tolerator is {b / a:.2f}x faster")
PY
