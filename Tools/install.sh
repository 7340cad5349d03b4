#!/usr/bin/env bash
# Installs tolerator so that it runs without the source checkout:
#   PREFIX/bin/tolerator
#   PREFIX/share/tolerator/{sandboxes,prompts,minicode,Examples/suites,Examples/minicode}
# The binary finds share/tolerator from its own location (InstallLayout), so the checkout may be
# moved or deleted afterwards; TOLERATOR_SANDBOXES / TOLERATOR_PROMPTS / TOLERATOR_MODEL still win.
#
#   swift build -c release
#   Tools/install.sh --prefix /usr/local            # or --prefix ~/.local
#   Tools/install.sh --prefix DIR --binary .build/debug/tolerator
set -euo pipefail
usage() {
    echo "usage: Tools/install.sh --prefix DIR [--binary PATH]   (default binary: .build/release/tolerator)" >&2
    exit 64
}
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=""
binary="$root/.build/release/tolerator"
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --binary) [ $# -ge 2 ] || usage; binary=$2; shift 2 ;;
        --binary=*) binary=${1#--binary=}; shift ;;
        -h|--help) usage ;;
        *) echo "install.sh: unknown argument $1" >&2; usage ;;
    esac
done
[ -n "$prefix" ] || usage
if [ ! -x "$binary" ]; then
    echo "install.sh: no built binary at $binary (run: swift build -c release)" >&2
    exit 1
fi

share="$prefix/share/tolerator"
mkdir -p "$prefix/bin" "$share"
# A fresh copy of each data folder: nothing left from an older install.
rm -rf "$share/sandboxes" "$share/prompts" "$share/minicode" "$share/Examples"
mkdir -p "$share/Examples"
cp -R "$root/sandboxes" "$share/sandboxes"
cp -R "$root/prompts" "$share/prompts"
cp -R "$root/Sources/tolerator/Resources/minicode" "$share/minicode"
cp -R "$root/Examples/suites" "$share/Examples/suites"
cp -R "$root/Examples/minicode" "$share/Examples/minicode"
find "$share" -name '__pycache__' -prune -exec rm -rf {} + -o -name '*.pyc' -exec rm -f {} +
# The binary last, through a temporary name, so a running copy is never half-written.
install -m 0755 "$binary" "$prefix/bin/.tolerator.new"
mv -f "$prefix/bin/.tolerator.new" "$prefix/bin/tolerator"
echo "installed: $prefix/bin/tolerator (data in $share)"
