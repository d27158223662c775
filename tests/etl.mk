# ETL tests: the container layer on byte-level fixtures (etl_unit), the
# reader and writer through the public API (etl_reader: fixtures made by
# testdata/etl/gen_fixtures.py, round trips, every truncation offset), the
# real captures of ../shared/testdata/etl against PerfView's expected
# outputs (etl_real; skipped when absent), etl2austin's command line, and
# the streaming writer (etl_stream: traces read back, the same bytes as the
# sample writer, every truncation offset, write errors; compressed
# buffers) and the XPRESS compressor (etl_xpress: round trips through
# the reader's decompressor).
check_PROGRAMS += tests/etl_unit tests/etl_reader tests/etl_real \
	tests/etl_stream tests/etl_xpress
tests_etl_unit_SOURCES = tests/etl_unit.c
tests_etl_unit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_etl_unit_LDADD = libmojo/libmojocore.la $(CHECK_LIBS)
tests_etl_reader_SOURCES = tests/etl_reader.c tests/testutil.c tests/testutil.h
tests_etl_reader_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_etl_reader_LDADD = libmojo/libmojocore.la $(CHECK_LIBS)
tests_etl_real_SOURCES = tests/etl_real.c tests/testutil.c tests/testutil.h
tests_etl_real_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_etl_real_LDADD = libmojo/libmojocore.la $(CHECK_LIBS)
tests_etl_stream_SOURCES = tests/etl_stream.c tests/testutil.c tests/testutil.h
tests_etl_stream_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_etl_stream_LDADD = libmojo/libmojocore.la $(CHECK_LIBS)
tests_etl_xpress_SOURCES = tests/etl_xpress.c tests/testutil.c tests/testutil.h
tests_etl_xpress_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_etl_xpress_LDADD = libmojo/libmojocore.la $(CHECK_LIBS)
TESTS += tests/etl_unit tests/etl_reader tests/etl_real tests/etl2austin.sh \
	tests/etl_stream tests/etl_xpress
EXTRA_DIST += tests/etl2austin.sh testdata/etl
