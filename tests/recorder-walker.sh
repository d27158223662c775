#!/bin/sh
# The frame walker and location decoder checked against CPython's own
# answers (co_positions, traceback), in tests/recorder_walker.py.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/recorder_common.sh"
skip_all_unless_built
"$PYTHON" "$top_srcdir/tests/recorder_walker.py"
