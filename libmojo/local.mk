# libmojo: the core convenience library (tests link it whole, internals
# included) and the installed shared library that exports the public API.
noinst_LTLIBRARIES += libmojo/libmojocore.la
libmojo_libmojocore_la_SOURCES = \
	libmojo/mojo.h libmojo/internal.h \
	libmojo/error.c libmojo/util.c \
	libmojo/input.c libmojo/input.h \
	libmojo/output.c libmojo/output.h \
	libmojo/frames.c \
	libmojo/reader.c libmojo/writer.c \
	libmojo/mojo_format.h \
	libmojo/mojo_read.c libmojo/mojo_write.c \
	libmojo/austin_read.c libmojo/austin_write.c
libmojo_libmojocore_la_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(PROTOBUF_C_CFLAGS)
libmojo_libmojocore_la_LIBADD = $(ZLIB_LIBS) $(PROTOBUF_C_LIBS)

lib_LTLIBRARIES += libmojo/libmojo.la
libmojo_libmojo_la_SOURCES =
libmojo_libmojo_la_LIBADD = libmojo/libmojocore.la
libmojo_libmojo_la_LDFLAGS = -version-info $(LIBMOJO_LT_VERSION) \
	-export-symbols-regex '^mojo_(reader|writer|frames|format|copy|version)'
include_HEADERS += libmojo/mojo.h
pkgconfig_DATA += libmojo/libmojo.pc
