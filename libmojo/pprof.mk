# The pprof writer, with the code protoc-c generates from schemas/profile.proto
# at build time into the build tree (never distributed), and the stack table
# and text helpers that the pprof and Speedscope writers share.
PPROF_GENERATED = libmojo/profile.pb-c.c libmojo/profile.pb-c.h
BUILT_SOURCES += $(PPROF_GENERATED)
CLEANFILES += $(PPROF_GENERATED)
EXTRA_DIST += schemas/profile.proto
nodist_libmojo_libmojocore_la_SOURCES = $(PPROF_GENERATED)
libmojo_libmojocore_la_SOURCES += \
	libmojo/pprof_write.c \
	libmojo/stacks.c libmojo/stacks.h \
	libmojo/json.c libmojo/json.h

# One rule makes both files; the header waits for the source so that a
# parallel make runs protoc-c once.
libmojo/profile.pb-c.c: $(top_srcdir)/schemas/profile.proto
	$(AM_V_GEN)$(MKDIR_P) libmojo && \
	$(PROTOC_C) --proto_path=$(top_srcdir)/schemas --c_out=libmojo \
		$(top_srcdir)/schemas/profile.proto
libmojo/profile.pb-c.h: libmojo/profile.pb-c.c
	@test -f $@ || { rm -f libmojo/profile.pb-c.c; \
		$(MAKE) $(AM_MAKEFLAGS) libmojo/profile.pb-c.c; }
