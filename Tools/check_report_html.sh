#!/usr/bin/env bash
# Checks that a `tolerator eval` report.html is self-contained and renders offline.
#
#   Tools/check_report_html.sh OUT/report.html [screenshot.png]
#
# 1. Static: no scripts, stylesheets, images, frames, fonts or url(...) to load; no http(s) URL
#    in any src/href attribute.
# 2. If chromium is installed (Debian: apt-get install chromium; this script installs nothing),
#    renders the page headless with every network path blocked and a net log recorded, takes a
#    screenshot (to check by hand), and fails on any http(s) request or console error.
set -euo pipefail

html=${1:?usage: Tools/check_report_html.sh REPORT.html [SCREENSHOT.png]}
html=$(realpath "$html")
png=${2:-${html%.html}.png}
fail() { echo "check_report_html: FAIL: $*" >&2; exit 1; }

[ -s "$html" ] || fail "$html is missing or empty"
if [ -z "${SKIP_STATIC:-}" ]; then  # SKIP_STATIC=1: only the browser check (to test the checker itself)
head -c 15 "$html" | grep -q '<!DOCTYPE html>' || fail "$html does not start with <!DOCTYPE html>"
if grep -Eion '<(script|link|img|iframe|object|embed|video|audio|source)\b|@import|@font-face|url\(' "$html" | head -5 | grep .; then
    fail "$html refers to something to load (lines above)"
fi
if grep -Eion '(src|href|xlink:href|action)[[:space:]]*=[[:space:]]*["'"'"']?[a-z][a-z0-9+.-]*:' "$html" | head -5 | grep .; then
    fail "$html has an attribute pointing outside the file (lines above)"
fi
echo "static checks passed: $html is self-contained"
fi

chrome=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then chrome=$(command -v "$candidate"); break; fi
done
if [ -z "$chrome" ]; then
    echo "chromium not found: skipped the headless render (apt-get install chromium to run it)"
    exit 0
fi

work=$(mktemp -d)
trap '[ -n "${KEEP_NETLOG:-}" ] && cp "$work/netlog.json" "$KEEP_NETLOG"; rm -rf "$work"' EXIT
# Blocked network: an unreachable proxy and a resolver that finds nothing. The net log still
# records any request the page tries to make.
"$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 \
    --user-data-dir="$work/profile" --no-first-run --disable-background-networking \
    --disable-component-update --disable-default-apps --disable-sync --disable-extensions \
    --proxy-server=127.0.0.1:9 --host-resolver-rules='MAP * ~NOTFOUND' \
    --log-net-log="$work/netlog.json" --enable-logging=stderr --v=0 \
    --screenshot="$png" "file://$html" >"$work/stdout.log" 2>"$work/stderr.log" || {
    cat "$work/stderr.log" >&2
    fail "chromium exited with an error"
}
[ -s "$png" ] || fail "no screenshot written"
# Chromium's own services (time, component updates, accounts) send requests with the initiator
# "not an origin"; anything the page asks for carries the page's origin (file:// or null).
requests=$(python3 - "$work/netlog.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["events"]
urls, initiators = {}, {}
for e in events:
    p, source = e.get("params") or {}, e["source"]["id"]
    if e["source"].get("type") != 1:  # URL_REQUEST sources only; others repeat their URLs
        continue
    if "url" in p: urls.setdefault(source, p["url"])
    if "initiator" in p: initiators[source] = p["initiator"]
for source, url in sorted(urls.items()):
    if url.startswith(("http:", "https:", "ws:", "wss:", "ftp:")) and initiators.get(source) != "not an origin":
        print(url)
PY
)
[ -z "$requests" ] || fail "the page made network requests: $requests"
if grep -E 'CONSOLE|Uncaught|Failed to load' "$work/stderr.log"; then
    fail "console errors (above)"
fi
echo "headless chromium: rendered without errors or network requests; screenshot: $png (check it by hand)"
