# Sourced by the tests of mojodiff and mojofilter (after tests/tap.sh).
#   python3   testdata/diff/gen_runs.py writes the runs; tests/diff_check.py
#             checks mojodiff's numbers on its own (exact Fisher tests)
#   go        golang-go: `go tool pprof -diff_base` reads the pprof pair
#   protoc    protobuf-compiler: decodes mojofilter's pprof output
DIFF="$BIN/mojodiff"
FILTER="$BIN/mojofilter"
M2A="$BIN/mojo2austin"
DIFF_DATA="$top_srcdir/testdata/diff"
FILTER_DATA="$top_srcdir/testdata/filter"
CHECK="python3 $top_srcdir/tests/diff_check.py"
# pprof keeps state under $HOME; keep it in the test's own directory.
export HOME="$TMP" PPROF_TMPDIR="$TMP"

have_python() { command -v python3 >/dev/null 2>&1; }
have_pprof() { command -v go >/dev/null 2>&1 && go tool -n pprof >/dev/null 2>&1; }
have_protoc() { command -v protoc >/dev/null 2>&1; }
NO_PYTHON="python3 not installed"
NO_PPROF="go tool pprof not available (Debian: golang-go)"
NO_PROTOC="protoc not installed (Debian: protobuf-compiler)"
NO_SHARED="no shared test data beside the project"

# status CMD...: the exit status; output in $TMP/stdout and $TMP/stderr.
status() { "$@" >"$TMP/stdout" 2>"$TMP/stderr"; echo $?; }

# The runs of gen_runs.py into $TMP/runs (once); false without python3.
runs() {
    have_python || return 1
    [ -d "$TMP/runs" ] || python3 "$DIFF_DATA/gen_runs.py" "$TMP/runs"
}

# json_get FILE EXPR: a Python expression over the report r.
json_get() {
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# samples_total FILE: "samples total" of the sample lines of Austin text,
# summing the first number (the time in full mode).
samples_total() {
    grep -v '^#' "$1" | awk 'NF { split($NF, m, ","); n++; s += m[1] }
                             END { printf "%d %d\n", n, s }'
}
