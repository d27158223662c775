# ETL (Event Trace Log): the reader (container, records, XPRESS, TraceLogging,
# kernel sampling, python-etwtrace events) and the writers (samples, sorted
# at the end; events streamed for tracers) with their shared encoding.
libmojo_libmojocore_la_SOURCES += \
	libmojo/etl_format.h libmojo/etl_text.h \
	libmojo/etl_map.h libmojo/etl_tracelogging.h libmojo/etl_profile.h \
	libmojo/etl_encode.h libmojo/etl_stream.h libmojo/etl_xpress.h \
	libmojo/etl_buffers.c libmojo/etl_records.c libmojo/etl_xpress.c \
	libmojo/etl_text.c libmojo/etl_map.c libmojo/etl_tracelogging.c \
	libmojo/etl_kernel.c libmojo/etl_sampling.c libmojo/etl_python.c \
	libmojo/etl_profile.c libmojo/etl_read.c libmojo/etl_encode.c \
	libmojo/etl_write.c libmojo/etl_stream.c libmojo/etl_xpress_compress.c
