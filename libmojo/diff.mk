# Transforms in libmojo: the filter (and merging of inputs), the profile
# comparison with its significance tests and reports, and the YAML
# configuration of both (libyaml).
libmojo_libmojocore_la_SOURCES += \
	libmojo/filter.c libmojo/filter_merge.c libmojo/filter.h \
	libmojo/diff.c libmojo/diff.h libmojo/diff_impl.h \
	libmojo/diff_compare.c libmojo/diff_report.c \
	libmojo/diff_stats.c libmojo/diff_stats.h \
	libmojo/config_yaml.c libmojo/config_yaml.h
# mojodiff reads its two profiles on two threads.
libmojo_libmojocore_la_CFLAGS += $(YAML_CFLAGS) -pthread
libmojo_libmojocore_la_LIBADD += $(YAML_LIBS) -lm -lpthread
