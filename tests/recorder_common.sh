# Sourced by the recorder's tests after tap.sh: how to run mojo-record from
# the build tree and read its output back.
#   record ARGS...        python3 -m mojo_record ARGS (stderr in $TMP/err)
#   m2a FILE              mojo2austin FILE > FILE.austin
#   check CMD ARGS...     tests/recorder_check.py (independent MOJO reader)
#   jq_py FILE EXPR       evaluate a Python expression on a JSON file (as d)
: "${PYTHON:=python3}"
STAGE="$top_builddir/recorder/stage"
RDATA="$top_srcdir/testdata/recorder"
CHECK="$top_srcdir/tests/recorder_check.py"
RUNSIG="$top_srcdir/tests/recorder_run.py"
export PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$STAGE${PYTHONPATH:+:$PYTHONPATH}"
unset MOJO_RECORD_CHILD MOJO_RECORD_OUTPUT MOJO_RECORD_TYPE MOJO_RECORD_INTERVAL

# Without the extension (configure left the recorder out) every test skips.
recorder_built() { [ -f "$STAGE/mojo_record/__init__.py" ]; }
skip_all_unless_built() {
    if ! recorder_built; then
        echo "1..0 # SKIP the recorder is not built (needs CPython 3.11-3.13 headers)"
        exit 0
    fi
}

record() { (cd "$TMP" && "$PYTHON" -m mojo_record "$@" 2>"$TMP/err"); }
m2a() { "$BIN/mojo2austin" "$1" > "$1.austin"; }
check() { "$PYTHON" "$CHECK" "$@"; }
jq_py() { "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# within VALUE LOW HIGH: LOW <= VALUE <= HIGH (floats)
within() { "$PYTHON" -c 'import sys; v,lo,hi=map(float,sys.argv[1:]); sys.exit(not lo<=v<=hi)' "$@"; }
