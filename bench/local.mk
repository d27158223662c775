# Benchmarks are run by hand (see bench/README.md); only their generators
# are built, with `make bench`.
EXTRA_PROGRAMS += bench/gen_mojo
bench_gen_mojo_SOURCES = bench/gen_mojo.c
bench_gen_mojo_LDADD = libmojo/libmojo.la
CLEANFILES += bench/gen_mojo
EXTRA_DIST += bench/README.md bench/mojo2austin.sh
bench: bench/gen_mojo
.PHONY: bench
