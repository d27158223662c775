# Tests of the core: Check unit tests and TAP shell tests of the tools.
EXTRA_DIST += tests/tap.sh
