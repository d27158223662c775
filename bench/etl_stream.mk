# The streaming ETL writer's speed (ns per event, MB/s), run by hand:
#   make bench/etl_stream_bench && bench/etl_stream_bench [EVENTS [OUT]]
# It links libmojocore for the stream, an internal API.
EXTRA_PROGRAMS += bench/etl_stream_bench
bench_etl_stream_bench_SOURCES = bench/etl_stream_bench.c bench/bench_util.h
bench_etl_stream_bench_LDADD = libmojo/libmojocore.la
CLEANFILES += bench/etl_stream_bench
bench: bench/etl_stream_bench
