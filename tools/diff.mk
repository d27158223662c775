# mojodiff and mojofilter: thin mains over libmojo's transforms (filter.h,
# diff.h, config_yaml.h). Those are internal to libmojo, so both link the core
# library itself rather than the shared one, whose exports are the readers
# and writers.
bin_PROGRAMS += tools/mojodiff tools/mojofilter
tools_mojodiff_SOURCES = tools/mojodiff.c
tools_mojodiff_LDADD = tools/libcli.la libmojo/libmojocore.la
tools_mojofilter_SOURCES = tools/mojofilter.c
tools_mojofilter_LDADD = tools/libcli.la libmojo/libmojocore.la
# Their benchmarks, run by hand (see docs/mojodiff.md for the figures).
EXTRA_DIST += bench/diff.sh bench/filter.sh bench/diff_lib.sh docs/mojodiff.md
