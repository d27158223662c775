#!/bin/sh
# ETL reading speed (goal: at least 200 MB/s of ETL), run by hand from a
# built tree (set BUILD for an out-of-tree build).
# Usage: bench/etl.sh [SAMPLES]   (default 2 000 000: about 0.5 GB of ETL)
# Compiles bench/etl_bench.c against the built libmojo, writes a synthetic
# instrumented trace through the ETL writer, then times mojo_reader_next
# over it (the reader alone: no writer behind it), over the real captures
# of ../shared/testdata/etl when present (kernel sampling, compressed), and
# etl2austin end to end into /dev/null.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top}
out=${OUT:-$build/bench/out}
samples=${1:-2000000}
mkdir -p "$out"
lib="$build/libmojo/.libs"
[ -f "$lib/libmojo.so" ] || { echo "build the tree first (make)" >&2; exit 1; }
${CC:-cc} -O2 -std=c11 -I"$top/libmojo" -I"$build/libmojo" \
    -o "$out/etl_bench" "$top/bench/etl_bench.c" \
    -L"$lib" -lmojo -Wl,-rpath,"$lib"
trace="$out/synthetic-$samples.etl"
if [ ! -f "$trace" ]; then
    echo "writing $trace ($samples samples)..."
    start=$(date +%s.%N)
    "$out/etl_bench" gen "$trace" "$samples" 4
    end=$(date +%s.%N)
    echo "  written in $(echo "$end - $start" | bc) s"
fi
echo "== the reader alone (mojo_reader_next, best of 3)"
"$out/etl_bench" read "$trace" 3
"$out/etl_bench" read "$trace" 3 --python-only
shared="$top/../shared/testdata/etl"
if [ -d "$shared" ]; then
    for f in perfview_net.4.5.2.x64.etl etlparser_ShutdownPerfDiagLogger.etl \
             perfview_diaghub.kernel.1.etl; do
        "$out/etl_bench" read "$shared/$f" 5
    done
fi
echo "== etl2austin end to end into /dev/null"
start=$(date +%s.%N)
"$build/tools/etl2austin" "$trace" > /dev/null
end=$(date +%s.%N)
size=$(stat -c %s "$trace")
echo "$trace: $(echo "scale=3; $end - $start" | bc) s, $(echo "$size / 1000000 / ($end - $start)" | bc) MB/s"
