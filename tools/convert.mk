# austin2pprof and austin2speedscope: thin mains over libmojo's writers.
bin_PROGRAMS += tools/austin2pprof tools/austin2speedscope
tools_austin2pprof_SOURCES = tools/austin2pprof.c
tools_austin2pprof_LDADD = $(TOOL_LDADD)
tools_austin2speedscope_SOURCES = tools/austin2speedscope.c
tools_austin2speedscope_LDADD = $(TOOL_LDADD)
# Their benchmark (run by hand: bench/convert.sh) and its workload.
EXTRA_DIST += bench/convert.sh bench/convert-workload.py \
	bench/convert-screenshot.sh docs/speedscope-wall.png \
	docs/speedscope-workload.png
