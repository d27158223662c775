#!/bin/sh
# mojo2austin against zcat of the very text it produces, and its peak RSS.
# Usage: bench/mojo2austin.sh [SAMPLES]   (run from a built tree)
# Goal: within 1.5x the time zcat takes; peak RSS under 10 MB.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top}
n=${1:-2000000}
out=${OUT:-$build/bench/out}
mkdir -p "$out"
make -C "$build" -s bench/gen_mojo
mojo="$out/big-$n.mojo"
[ -f "$mojo" ] || "$build/bench/gen_mojo" "$mojo" "$n"
m2a="$build/tools/mojo2austin"
[ -f "$mojo.austin.gz" ] || "$m2a" "$mojo" | gzip -1 > "$mojo.austin.gz"

best() { # best wall time of 3 runs of "$@", in seconds
    b=""
    for i in 1 2 3; do
        t=$( { /usr/bin/time -f %e "$@" > /dev/null; } 2>&1 | tail -1)
        b=$(echo "$t $b" | awk '{ if ($2 == "" || $1 < $2) print $1; else print $2 }')
    done
    echo "$b"
}
echo "MOJO: $(du -h "$mojo" | cut -f1), text: $(zcat "$mojo.austin.gz" | wc -c | awk '{printf "%.0f MB", $1/1e6}'), samples: $n"
tz=$(best zcat "$mojo.austin.gz")
tm=$(best "$m2a" "$mojo")
rss=$( { /usr/bin/time -f %M "$m2a" "$mojo" > /dev/null; } 2>&1 | tail -1)
echo "zcat of its text:  ${tz} s"
echo "mojo2austin:       ${tm} s  ($(echo "$tm $tz" | awk '{printf "%.2f", $1/$2}')x zcat)"
echo "mojo2austin peak RSS: ${rss} KB"
