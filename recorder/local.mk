# The recorder: the CPython extension mojo_record._native (a libtool module
# named with the target Python's extension suffix), its Python package and
# the mojo-record script. Built only for CPython 3.11-3.13 (see configure).
recorder_py = \
	recorder/mojo_record/__init__.py recorder/mojo_record/__main__.py \
	recorder/mojo_record/_cli.py recorder/mojo_record/_spawn.py \
	recorder/mojo_record/_child.py recorder/mojo_record/_instrument.py
recorder_c = \
	recorder/module.c \
	recorder/sampler.c recorder/sampler.h \
	recorder/walker.c recorder/walker.h \
	recorder/linetable.c recorder/linetable.h \
	recorder/pyread.c recorder/pyread.h \
	recorder/vmread.c recorder/vmread.h \
	recorder/tracer.c recorder/tracer.h recorder/tracer_int.h recorder/tracer_mon.c \
	recorder/tracer_out.c recorder/tracer_out.h \
	recorder/tracer_site.c \
	recorder/stamp.c recorder/stamp.h
EXTRA_DIST += $(recorder_py) $(recorder_c) recorder/mojo-record.in recorder/README.md \
	bench/record.py bench/record_workload.py bench/record_split.py bench/record_calls.py \
	bench/record.md

if BUILD_RECORDER
mojo_recorddir = $(pythondir)/mojo_record
mojo_record_LTLIBRARIES = recorder/mojo_record/_native.la
recorder_mojo_record__native_la_SOURCES = $(recorder_c)
recorder_mojo_record__native_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(PYTHON_INCLUDE)
recorder_mojo_record__native_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
recorder_mojo_record__native_la_LDFLAGS = -module -avoid-version -shared \
	-shrext $(PYTHON_EXT_SUFFIX) -export-symbols-regex '^PyInit__native$$'
recorder_mojo_record__native_la_LIBADD = libmojo/libmojocore.la -lpthread
mojo_record_PYTHON = $(recorder_py)

bin_SCRIPTS += recorder/mojo-record
CLEANFILES += recorder/mojo-record

# A runnable copy of the package in the build tree, for the tests and the
# benchmarks: PYTHONPATH=$(top_builddir)/recorder/stage.
recorder_stage = recorder/stage/mojo_record
check_SCRIPTS += recorder/stage.stamp
recorder/stage.stamp: recorder/mojo_record/_native.la $(recorder_py)
	$(AM_V_GEN)$(MKDIR_P) $(recorder_stage) && \
	for f in $(recorder_py); do cp $(srcdir)/$$f $(recorder_stage)/ || exit 1; done && \
	cp recorder/mojo_record/.libs/_native$(PYTHON_EXT_SUFFIX) $(recorder_stage)/ && \
	touch $@
CLEANFILES += recorder/stage.stamp $(recorder_stage)/_native$(PYTHON_EXT_SUFFIX) \
	$(recorder_py:recorder/mojo_record/%=$(recorder_stage)/%)
endif

recorder/mojo-record: $(srcdir)/recorder/mojo-record.in Makefile
	$(AM_V_GEN)$(MKDIR_P) recorder && \
	sed -e 's|@PYTHON[@]|$(PYTHON)|g' -e 's|@pythondir[@]|$(pythondir)|g' \
	    $(srcdir)/recorder/mojo-record.in > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
