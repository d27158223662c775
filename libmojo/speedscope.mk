# The Speedscope writer (shares the stack table and JSON helpers listed in
# pprof.mk).
libmojo_libmojocore_la_SOURCES += libmojo/speedscope_write.c \
	libmojo/speedscope_events.c libmojo/speedscope_events.h
