#!/bin/sh
# mojodiff on two profiles of about 25 MB of MOJO each (best of 3, and peak
# RSS), in two shapes:
#   worst:     bench/gen_mojo's random walks, nearly every sample a stack of
#              its own, with columns on every frame (so stacks are merged
#              again after normalization)
#   realistic: testdata/diff/gen_runs.py's runs merged 400 times over by
#              mojofilter (few distinct stacks, as real recordings have)
# Usage: bench/diff.sh   (from a built tree; BUILD for an out-of-tree build)
# Goal: well under a second for each pair.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top}
out=${OUT:-$build/bench/out}
mkdir -p "$out"
make -C "$build" -s bench/gen_mojo tools/mojodiff tools/mojofilter
diff="$build/tools/mojodiff"
filter="$build/tools/mojofilter"

[ -f "$out/worst-a.mojo" ] || "$build/bench/gen_mojo" "$out/worst-a.mojo" 270000 1
[ -f "$out/worst-b.mojo" ] || "$build/bench/gen_mojo" "$out/worst-b.mojo" 270000 2
if [ ! -f "$out/real-b.mojo" ]; then
    python3 "$top/testdata/diff/gen_runs.py" "$out/runs"
    for side in a:run1 b:slow1; do
        set --
        for i in $(seq 400); do set -- "$@" "$out/runs/${side#*:}.austin"; done
        "$filter" -f mojo "$@" -o "$out/real-${side%%:*}.mojo"
    done
fi

. "$top/bench/diff_lib.sh"
for shape in worst real; do
    a="$out/$shape-a.mojo" b="$out/$shape-b.mojo"
    rss=$(rss "$diff" "$a" "$b")
    printf '%-6s %s + %s MB, %s stacks: %s s, peak RSS %s KB\n' "$shape" \
        "$(du -m "$a" | cut -f1)" "$(du -m "$b" | cut -f1)" \
        "$("$diff" --json --top 1000000000 "$a" "$b" | grep -c '"frames"')" \
        "$(best "$diff" "$a" "$b")" "$rss"
done
