# etl2austin: ETL (python-etwtrace or kernel-sampled) to Austin text.
bin_PROGRAMS += tools/etl2austin
tools_etl2austin_SOURCES = tools/etl2austin.c
tools_etl2austin_LDADD = $(TOOL_LDADD)
