#!/bin/sh
# Checkers for the austin2pprof / austin2speedscope tests: Speedscope (its
# file-format schema and the app) and ajv, from npm, into tests/node_modules.
# protoc and go (for `go tool pprof`) come from scripts/apt-packages.
# Idempotent and quiet; runs as root on a fresh Debian machine.
set -e
cd "$(dirname "$0")/../.."

if ! command -v npm >/dev/null 2>&1; then
    # Only when missing: a Node.js from elsewhere may already provide npm,
    # and Debian's npm would fight over it.
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends npm >/dev/null
    else
        echo "setup.d/convert.sh: npm not found; the Speedscope checks will skip" >&2
        exit 0
    fi
fi

stamp=tests/node_modules/.installed-lock
if [ -f "$stamp" ] && cmp -s tests/package-lock.json "$stamp"; then
    exit 0
fi
(cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
# Keep the installed packages out of git without touching a shared ignore file.
echo '*' > tests/node_modules/.gitignore
cp tests/package-lock.json "$stamp"
