# Command-line tools: thin mains over libmojo, sharing tools/cli.c.
noinst_LTLIBRARIES += tools/libcli.la
tools_libcli_la_SOURCES = tools/cli.c tools/cli.h

TOOL_LDADD = tools/libcli.la libmojo/libmojo.la

bin_PROGRAMS += tools/mojo2austin
tools_mojo2austin_SOURCES = tools/mojo2austin.c
tools_mojo2austin_LDADD = $(TOOL_LDADD)
