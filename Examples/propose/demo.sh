#!/usr/bin/env bash
# `tolerator propose` end to end with the embedded model: copies inventory/ into a throwaway git
# repository, drafts the stubs' bodies, verifies them with the repository's own tests in the
# sandbox, and commits each passing body on its own branch. The last call uses a deliberately
# impossible test, so it commits nothing and says why (exit status 1).
#
#   swift build -c release && bash Examples/propose/demo.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${TOLERATOR_BIN:-$here/../../.build/release/tolerator}
[ -x "$bin" ] || { echo "build first: swift build -c release (or set TOLERATOR_BIN)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$here/inventory/." "$work/"
git -C "$work" init -q -b main
git -C "$work" config user.name "Demo User"
git -C "$work" config user.email demo@example.com
git -C "$work" add -A
git -C "$work" commit -qm "inventory: stubs and tests"

# Exit status 1 means "nothing committed"; the demo goes on to the next stub either way.
run() {
    echo "\$ tolerator propose $*"
    local rc=0
    "$bin" propose --repo "$work" --file inventory/reports.py "$@" || rc=$?
    echo
    return $rc
}
run --function restock_total --tests tests/test_restock.py --attempts 4 || true
run --function loud_words --tests tests/test_loud_words.py --attempts 4 || true
status=0
run --function restock_total --tests checks/impossible_restock.py --attempts 2 --branch demo/impossible || status=$?
echo "impossible test: exit status $status (1 = nothing committed)"
echo
git -C "$work" log --all --oneline --decorate
git -C "$work" status --short
