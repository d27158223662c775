#!/bin/sh
# mojofilter streaming against mojo2austin on the same MOJO file (best of 3),
# and its peak RSS on 1x and 8x the samples: MOJO to MOJO and text to text
# must run in constant memory. Text at 8x is fed through a pipe, never
# stored (it would take gigabytes).
# Usage: bench/filter.sh [SAMPLES]   (from a built tree; BUILD for out of tree)
# Goal: as fast as mojo2austin; the same peak RSS at 1x and 8x.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top}
n=${1:-250000}
out=${OUT:-$build/bench/out}
mkdir -p "$out"
make -C "$build" -s bench/gen_mojo tools/mojofilter tools/mojo2austin
filter="$build/tools/mojofilter"
m2a="$build/tools/mojo2austin"
for k in 1 8; do
    f="$out/filter-$n-$k.mojo"
    [ -f "$f" ] || "$build/bench/gen_mojo" "$f" $((n * k))
done
f="$out/filter-$n-1.mojo"
[ -f "$f.austin" ] || "$m2a" "$f" > "$f.austin"

. "$top/bench/diff_lib.sh"
echo "MOJO: $(du -m "$f" | cut -f1) MB, text: $(du -m "$f.austin" | cut -f1) MB, samples: $n"
echo "mojo2austin (MOJO to text):            $(best "$m2a" "$f") s"
echo "mojofilter -f austin (MOJO to text):   $(best "$filter" -f austin "$f") s"
echo "mojofilter (MOJO to MOJO):             $(best "$filter" "$f" -f mojo) s"
echo "mojofilter --focus --hide (MOJO):      $(best "$filter" --focus method_1 --hide module_1 "$f" -f mojo) s"
echo "mojofilter (text to text):             $(best "$filter" "$f.austin") s"
echo "mojofilter --focus --hide (text):      $(best "$filter" --focus method_1 --hide module_1 "$f.austin") s"
for k in 1 8; do
    g="$out/filter-$n-$k.mojo"
    text=$("$m2a" "$g" | { /usr/bin/time -f %M "$filter" - > /dev/null; } 2>&1 | tail -1)
    echo "peak RSS at ${k}x: MOJO to MOJO $(rss "$filter" "$g" -f mojo) KB, text to text $text KB"
done
