# Sourced by shell tests: a tiny TAP producer.
#   . "$top_srcdir/tests/tap.sh"
#   plan 3
#   ok "name" test -s file          # runs the command; ok when it exits 0
#   skip "reason" "name"
#   is "name" "$got" "$expected"
# $SHARED is ../shared/testdata beside the project, if present.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SHARED=$(cd "$top_srcdir/.." && pwd)/shared/testdata
BIN="$top_builddir/tools"
TAP_N=0
TAP_FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mojo-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

plan() { echo "1..$1"; }
ok() {
    name=$1; shift
    TAP_N=$((TAP_N + 1))
    if "$@" >"$TMP/.out" 2>&1; then
        echo "ok $TAP_N - $name"
    else
        echo "not ok $TAP_N - $name"
        sed 's/^/# /' "$TMP/.out" | head -20
        TAP_FAILED=1
    fi
}
is() {
    TAP_N=$((TAP_N + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $TAP_N - $1"
    else
        echo "not ok $TAP_N - $1"
        echo "#   got:      $2" | head -5
        echo "#   expected: $3" | head -5
        TAP_FAILED=1
    fi
}
skip() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $2 # SKIP $1"
}
have_shared() { [ -d "$SHARED" ]; }
