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

why=$(speedscope_app_missing)
if [ -n "$why" ]; then
    for f in $inputs; do skip "$why" "$f: Speedscope loads it"; done
    exit 0
fi
serve_speedscope_app

for f in $inputs; do
    base=${f%.*}
    "$BIN/austin2speedscope" --name "$base" "$CONVERT_DATA/$f" "$site/$base.json"
    first=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["profiles"][0]["name"])' "$site/$base.json")
    ok "$f: Speedscope loads it" speedscope_loads "$base.json" "$base" "$first"
done
exit $TAP_FAILED
