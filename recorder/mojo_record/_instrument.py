"""Instrumented mode: every function entry and exit of every thread as
python-etwtrace's ETW events, in an ETL file (read it back with
etl2austin; Windows tools read it too).

Hooks: a profile callback per thread on 3.11 (threads started later
hook themselves in through threading.setprofile); sys.monitoring on
3.12+. Python functions and C functions are pushed and popped, each announced
once by PythonFunction (file, qualified name, first line); threads by
PythonThread; mojo_record.mark and mark_range write PythonMark. The
events stream to the file while the program runs.

SIGTERM, where the program has no handler of its own: the trace is
written, then the signal ends the process as it would have without us
(the handler runs in the main thread between bytecodes, where the tracer
is consistent). SIGINT is KeyboardInterrupt: the trace is written at
exit.

Children are traced as in sampling mode: a fork child drops its copy of
the parent's tracer and traces into its own file (the parent's name with
the child's pid before the extension); spawned children start tracing
from the environment the parent set."""
import atexit
import os
import signal
import sys
import threading

from . import _native

_summary = False
_path = None
_children = True
_boundary = None
_registered = False


def _on_sigterm(signum, frame):
    """Write the trace, then die by the signal as without a handler. The
    tracer leaves this frame and what it calls out of the trace."""
    try:
        stop()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


def _catch_sigterm():
    """Only where SIGTERM has its default action (a program's handler
    wins), and from the main thread (signal.signal's rule)."""
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):
        pass


def _release_sigterm():
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) is _on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, OSError):
        pass


def start(output="profile.etl", summary=False, children=True, _boundary=None):
    """Trace this process into `output` (ETL) until stop() or exit."""
    global _summary, _path, _registered, _children
    globals()["_boundary"] = _boundary
    output = os.path.abspath(output)
    _native.trace_start(output, _boundary, _on_sigterm.__code__)
    if sys.version_info < (3, 12):
        # 3.12+ hooks every thread through sys.monitoring.
        threading.setprofile(_native.thread_hook)
    _summary = summary
    _path = output
    _children = bool(children)
    _catch_sigterm()
    if _children:
        import mojo_record
        mojo_record._pass_to_children({"mode": "instrumented", "interval_us": 0,
                                       "children": True, "output": output})
    if not _registered:
        atexit.register(_stop_at_exit)
        os.register_at_fork(after_in_child=_after_fork_child)
        _registered = True


def stop():
    """Stop tracing and write the file; returns the counters or None."""
    global _summary
    if sys.version_info < (3, 12):
        threading.setprofile(None)
    _release_sigterm()
    counters = _native.trace_stop()
    if counters and _summary:
        _summary = False
        stem = os.path.splitext(_path)[0]
        sys.stderr.write(
            "mojo-record: %d call and return events of %d functions in %d thread%s "
            "over %.2f s written to %s. To view it: Austin text with `mojo2austin %s`, "
            "a flame graph with `mojo2austin --no-metadata %s | flamegraph.pl > %s.svg`, "
            "pprof with `austin2pprof %s -o %s.pb.gz`, Speedscope (calls in time "
            "order) with `austin2speedscope %s -o %s.speedscope.json`; Windows "
            "Performance Analyzer opens it as it is.\n" % (
                counters["events"], counters["functions"], counters["threads"],
                "" if counters["threads"] == 1 else "s", counters["duration_us"] / 1e6,
                _path, _path, _path, stem, _path, stem, _path, stem))
        sys.stderr.flush()
    return counters


def _after_fork_child():
    """Drop the parent's tracer (its writer thread did not survive the
    fork); trace this child into its own file."""
    global _summary, _path
    if not _native.trace_active():
        return
    _native.trace_forget()
    _summary = False            # the parent reports
    if not _children:
        return
    import mojo_record
    path = mojo_record.child_path(_path, os.getpid())
    try:
        _native.trace_start(path, _boundary, _on_sigterm.__code__)
    except (OSError, RuntimeError) as e:
        sys.stderr.write("%s (the child is not traced)\n" % e)
        return
    _path = path
    mojo_record._stop_before_os_exit(stop)


def _stop_at_exit():
    try:
        stop()
    except OSError as e:
        sys.stderr.write("%s\n" % e)
