# Tests of mojodiff and mojofilter: Check unit tests of the transforms, the
# statistics and the YAML settings, and TAP shell tests of both tools. The
# shell tests check mojodiff's numbers with an independent reading in
# Python (tests/diff_check.py: exact Fisher tests in integer arithmetic) and
# skip, with the reason, what needs a tool that is not installed.
check_PROGRAMS += tests/diff_unit
tests_diff_unit_SOURCES = tests/diff_unit.c
tests_diff_unit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_diff_unit_LDADD = libmojo/libmojocore.la $(CHECK_LIBS) -lm
TESTS += tests/diff_unit tests/diff-cli.sh tests/diff-real.sh \
	tests/filter-cli.sh tests/filter-real.sh
EXTRA_DIST += tests/diff-cli.sh tests/diff-real.sh tests/filter-cli.sh \
	tests/filter-real.sh tests/diff_common.sh tests/diff_check.py \
	testdata/diff testdata/filter
