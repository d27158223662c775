# The recorder's tests: TAP shell scripts driving mojo-record on the
# scripts in testdata/recorder, reading the output back with mojo2austin
# and with an independent MOJO reader (tests/recorder_check.py).
recorder_tests = tests/recorder-sampling.sh tests/recorder-modes.sh \
	tests/recorder-process.sh tests/recorder-walker.sh tests/recorder-instrumented.sh
TESTS += $(recorder_tests)
EXTRA_DIST += $(recorder_tests) tests/recorder_common.sh tests/recorder_check.py \
	tests/recorder_run.py tests/recorder_walker.py testdata/recorder
