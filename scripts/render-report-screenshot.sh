#!/usr/bin/env bash
# Renders the HTML report of the bundled example run and takes a screenshot with headless Chromium.
#
#   scripts/render-report-screenshot.sh [OUTPUT.png] [WIDTHxHEIGHT]
#
# Builds labeille, ingests examples/bench_20261127_221025 into a temporary database, writes the report
# with `labeille bench report`, and screenshots it (Debian package `chromium`; installed with apt-get
# when missing and running as root). Default output: docs/report-screenshot.png, 1280x2400.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-docs/report-screenshot.png}"
size="${2:-1280,2400}"
size="${size/x/,}"

browser=""
for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then browser="$(command -v "$name")"; break; fi
done
if [ -z "$browser" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing chromium (Debian package)…" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null
        browser="$(command -v chromium)"
    else
        echo "error: chromium not found; install it (apt-get install chromium)" >&2
        exit 2
    fi
fi

swift build --product labeille >&2
bin="$(swift build --show-bin-path)/labeille"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
db="$work/example.db"
html="${REPORT_HTML:-/tmp/x.html}"

"$bin" bench ingest --db "$db" examples/bench_20261127_221025 >&2
"$bin" bench report --db "$db" bench_20261127_221025 -o "$html" >&2

mkdir -p "$(dirname "$out")"
# A private profile so the run does not touch the user's browser settings.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
    --screenshot="$out" --window-size="$size" "file://$html" >&2 2>"$work/chromium.log" || {
    cat "$work/chromium.log" >&2
    exit 1
}
[ -s "$out" ] || { echo "error: no screenshot written" >&2; cat "$work/chromium.log" >&2; exit 1; }
echo "Report:     $html ($(wc -c <"$html") bytes)"
echo "Screenshot: $out ($(wc -c <"$out") bytes)"
