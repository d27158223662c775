#!/bin/sh
# Every thread is sampled; wall, cpu, memory and full modes behave as
# Austin's: idle from the thread's run state, memory as RSS growth.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/recorder_common.sh"
skip_all_unless_built
plan 16

# tid of the thread whose stacks contain FUNC, from the check JSON.
tid_of() { jq_py "$1" "[t for t, v in d['threads'].items() if '$2' in v['funcs']][0]"; }
share_idle() { jq_py "$1" "round(100 * d['threads']['$2']['idle'] / d['threads']['$2']['samples'])"; }

ok "wall: records three threads" record -q -o wall.mojo "$RDATA/threads.py" 0.6
check mojo "$TMP/wall.mojo" > "$TMP/wall.json"
is "wall: three threads sampled" "$(jq_py "$TMP/wall.json" 'len(d["threads"])')" 3
ok "wall: the sleeping thread is sampled" test "$(jq_py "$TMP/wall.json" \
   'any("nap" in v["funcs"] and v["samples"] > 100 for v in d["threads"].values())')" = True
is "wall: no idle flags" "$(jq_py "$TMP/wall.json" 'd["idle"]')" 0

ok "full: records" record -q -f -o full.mojo "$RDATA/threads.py" 0.6
check mojo "$TMP/full.mojo" > "$TMP/full.json"
is "full: mode metadata" "$(jq_py "$TMP/full.json" 'dict(d["metadata"])["mode"]')" full
ok "full: every sample has time and memory" test "$(jq_py "$TMP/full.json" \
   'd["with_time"] == d["with_memory"] == d["samples"] > 0')" = True
nap_idle=$(share_idle "$TMP/full.json" "$(tid_of "$TMP/full.json" nap)")
crunch_idle=$(share_idle "$TMP/full.json" "$(tid_of "$TMP/full.json" crunch)")
echo "# idle: nap $nap_idle%, crunch $crunch_idle%"
ok "full: the sleeping thread is idle (>= 80%)" test "$nap_idle" -ge 80
ok "full: the spinning thread is busy (<= 30% idle)" test "$crunch_idle" -le 30

ok "cpu: records" record -q -s -o cpu.mojo "$RDATA/threads.py" 0.6
check mojo "$TMP/cpu.mojo" > "$TMP/cpu.json"
ok "cpu: the sleeping thread is (almost) absent" test "$(jq_py "$TMP/cpu.json" \
   'sum(v["samples"] for v in d["threads"].values() if "nap" in v["funcs"]) <= 0.05 * d["samples"]')" = True
ok "cpu: the spinning thread is there" test "$(jq_py "$TMP/cpu.json" \
   'sum(v["samples"] for v in d["threads"].values() if "crunch" in v["funcs"]) >= 0.5 * d["samples"]')" = True

ok "memory: records" record -q -M -o mem.mojo "$RDATA/memory.py"
check mojo "$TMP/mem.mojo" > "$TMP/mem.json"
ok "memory: samples carry memory, not time" test "$(jq_py "$TMP/mem.json" \
   'd["with_memory"] == d["samples"] > 0 and d["with_time"] == 0')" = True
ok "memory: grow gained >= 40 MB" test "$(jq_py "$TMP/mem.json" \
   'd["memory_by_func"].get("grow", 0) >= 40 << 20')" = True
ok "memory: grow got most of the growth" test "$(jq_py "$TMP/mem.json" \
   'd["memory_by_func"].get("grow", 0) >= 0.8 * max(d["memory"], 1)')" = True
exit $TAP_FAILED
