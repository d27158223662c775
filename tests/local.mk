# Tests of the core: Check unit tests and TAP shell tests of the tools.
check_PROGRAMS += tests/test_core
tests_test_core_SOURCES = tests/test_core.c tests/testutil.c tests/testutil.h
tests_test_core_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_core_LDADD = libmojo/libmojocore.la $(CHECK_LIBS)
TESTS += tests/test_core

EXTRA_DIST += tests/tap.sh testdata/mojo
TESTS += tests/mojo2austin.sh
EXTRA_DIST += tests/mojo2austin.sh
