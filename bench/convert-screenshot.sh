#!/bin/sh
# A screenshot of the real Speedscope app showing an austin2speedscope
# output: the app from the npm package speedscope (tests/node_modules, see
# scripts/setup.d/convert.sh) served on 127.0.0.1, rendered by headless
# Chromium (Debian package chromium).
# Usage: bench/convert-screenshot.sh INPUT OUTPUT.png [VIEW [WIDTHxHEIGHT]]
#   VIEW: time-ordered (default), left-heavy or sandwich
# The docs/ screenshot was made with:
#   bench/convert-screenshot.sh testdata/convert/wall.austin \
#       docs/speedscope-wall.png left-heavy
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top}
[ $# -ge 2 ] || { echo "usage: $0 INPUT OUTPUT.png [VIEW [WxH]]" >&2; exit 2; }
input=$1
png=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
view=${3:-time-ordered}
size=${4:-1200x700}
app="$top/tests/node_modules/speedscope/dist/release"
[ -f "$app/index.html" ] || { echo "run scripts/setup.d/convert.sh first" >&2; exit 1; }
command -v chromium >/dev/null || { echo "install chromium first" >&2; exit 1; }

site=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$site"' EXIT
cp -R "$app/." "$site/"
name=$(basename "$input")
"$build/tools/austin2speedscope" --name "${name%.*}" "$input" "$site/profile.json"
python3 "$top/tests/serve_static.py" "$site" "$site/.port" &
server=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$site/.port" ] && break; sleep 0.2; done
chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --user-data-dir="$site/.chrome" --hide-scrollbars \
    --virtual-time-budget=10000 --window-size="$(echo "$size" | tr x ,)" \
    --screenshot="$png" \
    "http://127.0.0.1:$(cat "$site/.port")/index.html#profileURL=/profile.json&view=$view" \
    2>/dev/null
echo "wrote $png"
