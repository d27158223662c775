#!/bin/sh
# The real Speedscope app (from the npm package speedscope, served on
# 127.0.0.1) loads austin2speedscope's outputs in headless Chromium: the
# page must end up showing the profile's name and its first profile, which
# it only does after a successful import. Skips without chromium (Debian
# package chromium; not installed by scripts/setup, it is large) or without
# the npm packages.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/convert_common.sh"

inputs="wall.austin cpu.austin memory.austin full.austin nomode.austin columns.mojo"
plan 6

app="$NODE_CHECKERS/speedscope/dist/release"
why=""
command -v chromium >/dev/null 2>&1 || why="chromium not installed (Debian: chromium)"
[ -f "$app/index.html" ] || why="$NO_AJV"
have_python || why="$NO_PYTHON"
if [ -n "$why" ]; then
    for f in $inputs; do skip "$why" "$f: Speedscope loads it"; done
    exit 0
fi

# Serve a copy of the app and the profiles from a free port on 127.0.0.1.
site="$TMP/site"
mkdir -p "$site"
cp -R "$app/." "$site/"
python3 -c '
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
handler = functools.partial(Quiet, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
open(sys.argv[2], "w").write(str(server.server_address[1]))
server.serve_forever()' "$site" "$TMP/port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$TMP"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$TMP/port" ] && break; sleep 0.2; done
port=$(cat "$TMP/port")

loads() { # FILE.json NAME FIRST-PROFILE-NAME
    timeout 90 chromium --headless=new --no-sandbox --disable-gpu \
        --disable-dev-shm-usage --no-first-run --user-data-dir="$TMP/chrome" \
        --virtual-time-budget=10000 --dump-dom \
        "http://127.0.0.1:$port/index.html#profileURL=/$1" \
        >"$TMP/dom" 2>/dev/null
    grep -qF "<title>$2 - speedscope</title>" "$TMP/dom" &&
        grep -qF "$3" "$TMP/dom"
}

for f in $inputs; do
    base=${f%.*}
    "$BIN/austin2speedscope" --name "$base" "$CONVERT_DATA/$f" "$site/$base.json"
    first=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["profiles"][0]["name"])' "$site/$base.json")
    ok "$f: Speedscope loads it" loads "$base.json" "$base" "$first"
done
exit $TAP_FAILED
