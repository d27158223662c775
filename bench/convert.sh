#!/bin/sh
# austin2pprof and austin2speedscope against zcat of the text they convert,
# and their peak memory as the number of samples grows.
# Usage: bench/convert.sh [RECORDING.mojo]   (run from a built tree; set
# BUILD for an out-of-tree build)
# Without a recording, one is made: bench/convert-workload.py (standard-
# library work on four threads) recorded for 20 s by the project's recorder,
# about 56k samples whose text is about 25-30 MB; without the recorder,
# bench/gen_mojo makes a synthetic one of about 25 MB of text.
# Goals: austin2pprof on the text within 1.2x the time zcat takes to
# inflate it; MOJO input faster than text; memory flat in the samples.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top}
out=${OUT:-$build/bench/out}
mkdir -p "$out"
tools="$build/tools"

mojo=$1
if [ -z "$mojo" ]; then
    mojo="$out/convert-workload.mojo"
    if [ ! -f "$mojo" ]; then
        if [ -f "$build/recorder/stage/mojo_record/__init__.py" ]; then
            PYTHONPATH="$build/recorder/stage" python3 -m mojo_record -q \
                -o "$mojo" "$top/bench/convert-workload.py" 20
        else
            echo "(no recorder built: using a synthetic profile)"
            make -C "$build" -s bench/gen_mojo
            "$build/bench/gen_mojo" "$mojo" 12000
        fi
    fi
fi
text="$out/$(basename "$mojo" .mojo).austin"
"$tools/mojo2austin" "$mojo" >"$text"
gzip -c "$text" >"$text.gz"

best_ms() { # best wall time of 5 runs of "$@", in milliseconds
    b=""
    for i in 1 2 3 4 5; do
        s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
        t=$(( (e - s) / 1000 ))
        [ -z "$b" ] || [ "$t" -lt "$b" ] && b=$t
    done
    echo "$b" | awk '{ printf "%.1f", $1 / 1000 }'
}
rss() { # peak resident set size of "$@", in KB
    /usr/bin/time -f %M -o "$out/convert-rss" "$@" >/dev/null 2>&1
    tail -1 "$out/convert-rss"
}
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }

samples=$(grep -c '^P' "$text")
echo "recording: $mojo"
echo "samples: $samples; text: $(wc -c <"$text" | awk '{printf "%.1f MB", $1/1e6}');" \
     "gzip: $(wc -c <"$text.gz" | awk '{printf "%.2f MB", $1/1e6}');" \
     "MOJO: $(wc -c <"$mojo" | awk '{printf "%.2f MB", $1/1e6}')"
tz=$(best_ms zcat "$text.gz")
echo "zcat of the text:                 $tz ms"
for tool in austin2pprof austin2speedscope; do
    o="$out/convert-out"
    t1=$(best_ms "$tools/$tool" "$text" "$o")
    t2=$(best_ms "$tools/$tool" "$text.gz" "$o")
    t3=$(best_ms "$tools/$tool" "$mojo" "$o")
    printf '%-18s text: %7s ms (%sx zcat)  text.gz: %7s ms (%sx)  MOJO: %7s ms (%sx)\n' \
        "$tool" "$t1" "$(ratio "$t1" "$tz")" "$t2" "$(ratio "$t2" "$tz")" \
        "$t3" "$(ratio "$t3" "$tz")"
done

# Memory: the same stacks 1x and 8x over must take the same memory.
for i in 1 2 3 4 5 6 7 8; do grep '^P' "$text"; done >"$out/convert-8x.austin"
for tool in austin2pprof austin2speedscope; do
    r1=$(rss "$tools/$tool" "$text" "$out/convert-out")
    r8=$(rss "$tools/$tool" "$out/convert-8x.austin" "$out/convert-out")
    echo "$tool peak RSS: ${r1} KB for $samples samples, ${r8} KB for 8x as many"
done
rm -f "$out/convert-8x.austin" "$out/convert-out" "$out/convert-rss"
