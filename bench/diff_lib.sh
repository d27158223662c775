# Sourced by bench/diff.sh and bench/filter.sh.
# best CMD...: the best wall time of 3 runs, in seconds.
best() {
    b=""
    for i in 1 2 3; do
        t=$( { /usr/bin/time -f %e "$@" > /dev/null; } 2>&1 | tail -1)
        b=$(echo "$t $b" | awk '{ if ($2 == "" || $1 < $2) print $1; else print $2 }')
    done
    echo "$b"
}
# rss CMD...: its peak resident set, in KB.
rss() { { /usr/bin/time -f %M "$@" > /dev/null; } 2>&1 | tail -1; }
