#!/usr/bin/env bash
# First run on a fresh machine: install what the build needs, build, then the main job with the
# embedded model: write one function, and score the held-out suite into eval-quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing system packages (OpenBLAS, libgit2, bubblewrap, python3)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libopenblas-dev libgit2-dev bubblewrap pkg-config python3 git >/dev/null
fi

echo "== building (release; the first build takes a few minutes)"
swift build -c release 2>&1 | tail -n 1
bin=.build/release/tolerator

echo "== generate: complete Examples/quickstart/stub.py with TOLERATOR, verified against its >>> examples"
"$bin" generate --file Examples/quickstart/stub.py --method tolerator --nfe "${NFE:-16}"

echo "== eval: held-out minicode tasks, vanilla vs TOLERATOR at the same NFE, verified in the sandbox"
# Both held-out splits (unseen instances, unseen combinations); one lane per core for this small model.
"$bin" eval --suite minicode,minicode-combos --limit "${LIMIT:-20}" --methods vanilla,tolerator \
    --nfe "${NFE:-16}" --lanes 2 --threads 1 --out eval-quickstart
echo "== report: eval-quickstart/report.md and eval-quickstart/report.html"
