# Tests of austin2pprof and austin2speedscope, their writers and the stack
# table. The shell tests use independent decoders (protoc, go tool pprof,
# ajv with Speedscope's schema; see tests/convert_common.sh) and skip, with
# the reason, those that are not installed.
check_PROGRAMS += tests/convert_unit
tests_convert_unit_SOURCES = tests/convert_unit.c
nodist_tests_convert_unit_SOURCES = libmojo/profile.pb-c.h
tests_convert_unit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_convert_unit_LDADD = libmojo/libmojocore.la $(CHECK_LIBS)
TESTS += tests/convert_unit \
	tests/convert-pprof.sh tests/convert-speedscope.sh \
	tests/convert-exact.sh tests/convert-cli.sh tests/convert-speedscope-app.sh
EXTRA_DIST += tests/convert-speedscope-app.sh tests/convert-pprof.sh tests/convert-speedscope.sh \
	tests/convert-exact.sh tests/convert-cli.sh tests/convert_common.sh \
	tests/convert_totals.py tests/speedscope-validate.js tests/serve_static.py \
	tests/package.json tests/package-lock.json testdata/convert

# Evented Speedscope profiles: hand-made timestamped samples through a small
# driver, the ETL fixtures, ajv and an independent check of the timelines.
check_PROGRAMS += tests/speedscope_cases
tests_speedscope_cases_SOURCES = tests/speedscope_cases.c
tests_speedscope_cases_LDADD = libmojo/libmojocore.la
TESTS += tests/speedscope-evented.sh
EXTRA_DIST += tests/speedscope-evented.sh tests/speedscope_evented_check.py
