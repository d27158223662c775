"""mojo_record: sample Python programs into MOJO profiles.

The sampler is a native thread that reads every Python thread's frame
chain directly (it never takes the GIL), so leaf positions are unbiased
and the program pays little. It writes MOJO version 3 with column
information, readable by Austin's tooling and by mojo-tools.

    import mojo_record
    mojo_record.start("run.mojo")          # or: mojo-record -o run.mojo -- script.py
    ...
    mojo_record.mark("phase 2")
    with mojo_record.mark_range("load"):
        ...
    mojo_record.stop()

Child processes: after os.fork (and multiprocessing's fork and spawn
start methods) each child records into its own file, named after the
parent's with the child's pid before the extension (run.mojo gives
run.4242.mojo); mojofilter merges them.
"""
import atexit
import os
import sys

__all__ = ["start", "stop", "is_active", "mark", "mark_range", "parse_interval",
           "child_path", "enable_if", "__version__"]

__version__ = "0.1.0"

#: Environment variable that passes the recording to spawned Python children.
ENV_CHILD = "MOJO_RECORD_CHILD"
#: Environment variables read by the .pth hook (mojo-record --enable).
ENV_OUTPUT = "MOJO_RECORD_OUTPUT"
ENV_INTERVAL = "MOJO_RECORD_INTERVAL"
ENV_TYPE = "MOJO_RECORD_TYPE"

DEFAULT_INTERVAL_US = 1000
MODES = ("wall", "cpu", "memory", "full")

_config = None        # what start() was given, for children
_summary_wanted = False
_children_seen = False
_at_fork_registered = False
_atexit_registered = False


def _core():
    from . import _native as n
    return n


def parse_interval(text):
    """Microseconds from '500us', '10ms', '0.5ms', '1s' or a bare number
    (microseconds, as Austin's -i takes it)."""
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        s = str(text).strip().lower()
        scale = 1.0
        for unit, mult in (("us", 1.0), ("µs", 1.0), ("ms", 1e3), ("s", 1e6)):
            if s.endswith(unit):
                s = s[: -len(unit)].strip()
                scale = mult
                break
        try:
            value = float(s) * scale
        except ValueError:
            raise ValueError("bad interval %r: use a number with us, ms or s "
                             "(500us, 10ms)" % (text,)) from None
    if not (1 <= value <= 60e6):
        raise ValueError("interval %r is out of range (1us to 60s)" % (text,))
    return int(round(value))


def child_path(path, pid):
    """The file a child process writes: the pid goes before the extension."""
    head, tail = os.path.split(path)
    stem, ext = os.path.splitext(tail)
    return os.path.join(head, "%s.%d%s" % (stem, pid, ext or ".mojo"))


def _metadata(extra=()):
    meta = [("python", "%d.%d.%d" % sys.version_info[:3]),
            ("pid", str(os.getpid()))]
    meta.extend(extra)
    return meta


def start(output="profile.mojo", mode="wall", interval=DEFAULT_INTERVAL_US,
          children=True, summary=False, sigterm=True, _child=False, _boundary=None,
          _extra_meta=()):
    """Start recording this process into `output` (MOJO).

    mode: wall (default), cpu (running threads only), memory (RSS growth)
    or full (time, idle and memory). interval: microseconds, or a string
    with a unit ('500us', '10ms'). children: record forked and spawned
    Python children too. summary: print a paragraph on stderr at the end.
    """
    global _config, _summary_wanted
    if mode not in MODES:
        raise ValueError("mode must be one of %s, not %r" % (", ".join(MODES), mode))
    interval_us = parse_interval(interval)
    output = os.path.abspath(output)
    core = _core()
    if core.is_active():
        raise RuntimeError("mojo_record is already recording into %s" % core.output_path())
    # Everything that imports or sets up comes first, so that the first
    # samples are of the program, not of us.
    _config = {"output": output, "mode": mode, "interval_us": interval_us,
               "children": bool(children), "child": bool(_child)}
    _register_hooks()
    if children:
        _pass_to_children()
    try:
        core.start(output, mode, interval_us, _metadata(_extra_meta), sigterm, summary, _boundary)
    except BaseException:
        if children and not _child:
            os.environ.pop(ENV_CHILD, None)
        raise
    _summary_wanted = summary


def stop():
    """Stop recording; returns the counters (samples, threads, duration_us,
    ...) or None when not recording. Prints the summary if start() asked."""
    global _summary_wanted
    n = _core()
    if not n.is_active():
        return None
    path = n.output_path()
    counters = n.stop()
    if _summary_wanted:
        _summary_wanted = False
        try:
            sys.stderr.write(n.summary_text(path, counters, _children_seen))
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
    return counters


def is_active():
    """True while this process records."""
    try:
        return _core().is_active()
    except ImportError:
        return False


def mark(name):
    """Write a mark into the recording (metadata `mark: TIME_US point NAME`;
    a PythonMark event in instrumented mode). Returns False when not
    recording."""
    return _core().mark(str(name), "point")


class mark_range:
    """Context manager marking a range: `mark: TIME_US start NAME` on entry
    and `mark: TIME_US stop NAME` on exit (PythonMark start and stop events
    in instrumented mode; `etl2austin --marks` makes the range a frame)."""

    def __init__(self, name):
        self.name = str(name)

    def __enter__(self):
        _core().mark(self.name, "start")
        return self

    def __exit__(self, *exc):
        _core().mark(self.name, "stop")
        return False


# ---------------------------------------------------------------- children

def _before_fork():
    n = _core()
    if n.is_active():
        n.pause()


def _after_fork_parent():
    global _children_seen
    n = _core()
    if _config and _config["children"]:
        _children_seen = True
    n.resume()


def _after_fork_child():
    global _summary_wanted
    n = _core()
    if not n.is_active():
        return
    _summary_wanted = False   # the parent reports
    if not (_config and _config["children"]):
        n.forget()     # drop our copy of the parent's recorder, write nothing
        return
    _config["child"] = True
    path = child_path(_config["output"], os.getpid())
    try:
        n.fork_child(path, _metadata([("parent", str(os.getppid()))]))
    except OSError as e:
        sys.stderr.write("%s (the child is not recorded)\n" % e)
        return
    # Its own children are named after its file.
    _config["output"] = path
    if os.environ.get(ENV_CHILD):
        os.environ[ENV_CHILD] = _encode_spec(_config)
    _stop_before_os_exit()


def _stop_before_os_exit(stop_fn=None):
    """Fork children often leave through os._exit (multiprocessing's always
    do), which skips atexit: stop, and so flush, just before it."""
    stop_fn = stop_fn or stop
    real_exit = os._exit
    if getattr(real_exit, "_mojo_record", False):
        return

    def _exit(status):
        try:
            stop_fn()
        except BaseException:
            pass
        real_exit(status)
    _exit._mojo_record = True
    _exit.__doc__ = real_exit.__doc__
    os._exit = _exit


def _encode_spec(config):
    """MODE INTERVAL_US CHILDREN OUTPUT (the path last: it may hold spaces).
    Plain text rather than JSON: importing json costs the program 3 ms."""
    return "%s %d %d %s" % (config["mode"], config["interval_us"],
                            1 if config["children"] else 0, config["output"])


def _decode_spec(raw):
    mode, interval, children, output = raw.split(" ", 3)
    return {"mode": mode, "interval_us": int(interval), "children": children == "1",
            "output": output}


def _pass_to_children(config=None):
    """Spawned children learn what to record from ENV_CHILD; our package
    directory goes on their PYTHONPATH so that they can import it."""
    os.environ[ENV_CHILD] = _encode_spec(config or _config)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.environ.get("PYTHONPATH", "")
    if here not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = here + (os.pathsep + path if path else "")
    from . import _spawn
    _spawn.install()


def _start_from_env():
    """In a spawned child: start recording if the parent asked for it."""
    raw = os.environ.get(ENV_CHILD)
    if not raw or is_active():
        return False
    try:
        spec = _decode_spec(raw)
        if spec["mode"] == "instrumented":
            from . import _instrument
            _instrument.start(child_path(spec["output"], os.getpid()),
                              children=spec.get("children", True))
            return True
        start(child_path(spec["output"], os.getpid()), spec["mode"],
              spec["interval_us"], children=spec.get("children", True), _child=True,
              _extra_meta=[("parent", str(os.getppid()))])
    except Exception as e:    # never break the child over its profile
        sys.stderr.write("mojo-record: not recording this child: %s\n" % e)
        return False
    return True


def _register_hooks():
    global _at_fork_registered, _atexit_registered
    if not _at_fork_registered:
        os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_parent,
                            after_in_child=_after_fork_child)
        _at_fork_registered = True
    if not _atexit_registered:
        atexit.register(_stop_at_exit)
        _atexit_registered = True


def _stop_at_exit():
    try:
        stop()
    except OSError as e:
        sys.stderr.write("%s\n" % e)


# ---------------------------------------------------------------- .pth hook

def enable_if(enable_var="", type_var=""):
    """Called by the .pth file that `mojo-record --enable` installs: record
    this run if enable_var is set (or always when it is empty), into
    $MOJO_RECORD_OUTPUT (default mojo-record.PID.mojo), in the mode named by
    $type_var (wall, cpu, memory, full; default wall)."""
    if os.environ.get(ENV_CHILD):
        _start_from_env()
        return
    if enable_var and os.environ.get(enable_var, "0").lower()[:1] in ("", "0", "n", "f"):
        return
    if sys.orig_argv[1:3] == ["-m", "mojo_record"] or "mojo-record" in os.path.basename(
            sys.orig_argv[1] if len(sys.orig_argv) > 1 else ""):
        return    # never record the launcher itself
    mode = (os.environ.get(type_var or ENV_TYPE, "") or "wall").lower()
    if mode == "stack":
        mode = "wall"
    output = os.environ.get(ENV_OUTPUT) or "mojo-record.%d.mojo" % os.getpid()
    try:
        start(output, mode, os.environ.get(ENV_INTERVAL) or DEFAULT_INTERVAL_US)
    except Exception as e:
        sys.stderr.write("mojo-record: not recording: %s\n" % e)
