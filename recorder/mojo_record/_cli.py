"""The mojo-record command line."""
import os
import sys

import mojo_record

USAGE = """\
Usage: mojo-record [OPTIONS] [-o FILE] [--] SCRIPT [ARGS...]
       mojo-record [OPTIONS] [-o FILE] -m MODULE [ARGS...]
       mojo-record --enable [VAR [TYPEVAR]] | --disable

Record a Python program: sample every thread into a MOJO profile with
column information (default), or trace every call into an ETW-compatible
ETL file (--instrumented).

  -o, --output FILE    where to write (default: SCRIPT's name + .mojo, or
                       .etl with --instrumented)
  -i, --interval TIME  sampling interval: 500us, 1ms, 10ms; a bare number
                       is microseconds (default 1ms)
  -s, --cpu            drop samples of idle threads (CPU time)
  -M, --memory         record RSS growth instead of time
  -f, --full           time, idle flag and memory in every sample
  -w, --wall           wall time (the default)
  --instrumented       trace function entry and exit (ETL output)
  --no-children        do not record child processes
  -q, --quiet          no summary on stderr at the end
  --enable [VAR [TYPEVAR]]
                       install a .pth hook: every run of this Python records
                       (only runs with VAR set, if given) into
                       $MOJO_RECORD_OUTPUT (default mojo-record.PID.mojo); the
                       mode comes from TYPEVAR (default VAR_TYPE or
                       MOJO_RECORD_TYPE): wall, cpu, memory, full
  --disable            remove that hook
  -V, --version        print the version
  -h, --help           show this help

Child processes (os.fork, multiprocessing fork and spawn) write
FILE's name with their pid before the extension (run.mojo: run.4242.mojo).
The program's exit status is kept. Also runs as `python3 -m mojo_record`.
"""

PTH_NAME = "mojo_record.pth"


class UsageError(Exception):
    pass


def _parse(argv):
    opts = {"output": None, "interval": mojo_record.DEFAULT_INTERVAL_US, "mode": "wall",
            "instrumented": False, "children": True, "quiet": False}
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--":
            if not args:
                raise UsageError("no script given after --")
            return opts, "script", args[0], args
        if a in ("-m",):
            if not args:
                raise UsageError("-m needs a module name")
            return opts, "module", args[0], args
        if not a.startswith("-") or a == "-":
            return opts, "script", a, [a] + args
        if a in ("-h", "--help"):
            return opts, "help", None, []
        if a in ("-V", "--version"):
            return opts, "version", None, []
        if a == "--enable":
            names = []
            while args and not args[0].startswith("-") and len(names) < 2:
                names.append(args.pop(0))
            return opts, "enable", names, []
        if a == "--disable":
            return opts, "disable", None, []
        if a in ("-o", "--output", "-i", "--interval") or a.startswith(("--output=", "--interval=")):
            if "=" in a and a.startswith("--"):
                a, value = a.split("=", 1)
            elif not args:
                raise UsageError("%s needs a value" % a)
            else:
                value = args.pop(0)
            if a in ("-o", "--output"):
                opts["output"] = value
            else:
                try:
                    opts["interval"] = mojo_record.parse_interval(value)
                except ValueError as e:
                    raise UsageError(str(e))
        elif a.startswith("-o") and len(a) > 2:
            opts["output"] = a[2:]
        elif a.startswith("-i") and len(a) > 2:
            try:
                opts["interval"] = mojo_record.parse_interval(a[2:])
            except ValueError as e:
                raise UsageError(str(e))
        elif a in ("-s", "--cpu"):
            opts["mode"] = "cpu"
        elif a in ("-M", "--memory"):
            opts["mode"] = "memory"
        elif a in ("-f", "--full"):
            opts["mode"] = "full"
        elif a in ("-w", "--wall"):
            opts["mode"] = "wall"
        elif a == "--instrumented":
            opts["instrumented"] = True
        elif a == "--no-children":
            opts["children"] = False
        elif a in ("-q", "--quiet"):
            opts["quiet"] = True
        else:
            raise UsageError("unknown option %s" % a)
    raise UsageError("no script or -m MODULE given")


def _site_dirs():
    import site
    dirs = []
    try:
        dirs.extend(site.getsitepackages())
    except AttributeError:
        pass
    dirs.append(site.getusersitepackages())
    return dirs


def _enable(names):
    """Write a .pth file into the first writable site directory."""
    var = names[0] if names else ""
    type_var = names[1] if len(names) > 1 else ("%s_TYPE" % var if var else mojo_record.ENV_TYPE)
    here = os.path.dirname(os.path.dirname(os.path.abspath(mojo_record.__file__)))
    text = "%s\nimport mojo_record; mojo_record.enable_if(%r, %r)\n" % (here, var, type_var)
    for d in _site_dirs():
        try:
            os.makedirs(d, exist_ok=True)
            path = os.path.join(d, PTH_NAME)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError:
            continue
        print("Created %s" % path)
        if var:
            print("Set %s=1 to record a run" % var)
        else:
            print("Every run of %s now records" % sys.executable)
        print("Set %s to cpu, memory or full for another mode; the output goes to "
              "$%s (default mojo-record.PID.mojo)" % (type_var, mojo_record.ENV_OUTPUT))
        return 0
    sys.stderr.write("mojo-record: no writable site-packages directory for %s\n" % PTH_NAME)
    return 1


def _disable():
    removed = 0
    for d in set(_site_dirs() + sys.path):
        path = os.path.join(d or ".", PTH_NAME)
        try:
            os.unlink(path)
        except OSError:
            continue
        print("Removed %s" % path)
        removed += 1
    if not removed:
        print("No %s hook found" % PTH_NAME)
    return 0


def _hide_launcher(hook):
    """An uncaught exception's traceback starts at the program, as it would
    without the launcher: our frames and runpy's are left out."""
    ours = {os.path.abspath(__file__), os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "__main__.py"),
            "<frozen runpy>", os.path.join(os.path.dirname(os.__file__), "runpy.py")}

    def excepthook(kind, value, tb):
        while tb is not None and tb.tb_next is not None and \
                tb.tb_frame.f_code.co_filename in ours:
            tb = tb.tb_next
        if isinstance(value, BaseException):
            value.__traceback__ = tb   # what the default hook prints
        hook(kind, value, tb)
    return excepthook


def _default_output(kind, target, instrumented):
    if kind == "module":
        stem = target.rsplit(".", 1)[-1]
    else:
        stem = os.path.splitext(os.path.basename(target))[0] or "profile"
    return stem + (".etl" if instrumented else ".mojo")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        opts, kind, target, rest = _parse(argv)
    except UsageError as e:
        sys.stderr.write("mojo-record: %s\nTry 'mojo-record --help'.\n" % e)
        return 2
    if kind == "help":
        sys.stdout.write(USAGE)
        return 0
    if kind == "version":
        print("mojo-record %s" % mojo_record.__version__)
        return 0
    if kind == "enable":
        return _enable(target)
    if kind == "disable":
        return _disable()

    output = opts["output"] or _default_output(kind, target, opts["instrumented"])
    if kind == "script" and not os.path.exists(target):
        sys.stderr.write("mojo-record: %s: no such file\n" % target)
        return 2
    # Stacks start at the program: the frames below it are hidden.
    if kind == "script" and os.path.isfile(target):
        boundary = _exec_script.__code__
    else:
        import runpy
        boundary = runpy._run_code.__code__
    if opts["instrumented"]:
        from mojo_record import _instrument
        starter = lambda: _instrument.start(output, summary=not opts["quiet"],
                                            children=opts["children"], _boundary=boundary)
    else:
        starter = lambda: mojo_record.start(output, opts["mode"], opts["interval"],
                                            children=opts["children"],
                                            summary=not opts["quiet"],
                                            _boundary=boundary)

    # The program sees the interpreter as if it had been started on it.
    if kind == "script":
        sys.argv[:] = rest
        sys.path[0] = os.path.dirname(os.path.abspath(target))
    else:
        sys.argv[:] = [target] + rest[1:]
        sys.path[0] = os.getcwd()
    if kind == "script" and os.path.isfile(target):
        code = _compile_script(target)
        if code is None:
            return 1
    try:
        starter()
    except (OSError, ValueError, ImportError, RuntimeError) as e:
        sys.stderr.write("%s\n" % e)
        return 1
    # Recording stops at interpreter exit (atexit), after the program's
    # non-daemon threads finished; exceptions and exit codes pass through.
    sys.excepthook = _hide_launcher(sys.excepthook)
    if kind == "script" and os.path.isfile(target):
        _exec_script(code, target)
    else:
        import runpy
        if kind == "script":     # a directory or zip file with __main__.py
            runpy.run_path(target, run_name="__main__")
        else:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
    return 0


def _compile_script(path):
    """The script's code, or None after printing the error as Python would."""
    import io
    try:
        with io.open_code(path) as f:
            source = f.read()
        return compile(source, path, "exec", dont_inherit=True)
    except OSError as e:
        sys.stderr.write("mojo-record: %s: %s\n" % (path, e.strerror or e))
    except SyntaxError:
        import traceback
        traceback.print_exc(limit=0)
    return None


def _exec_script(code, path):
    """Run a script as `python3 SCRIPT` does: in a fresh __main__ module
    (so that pickling and multiprocessing's spawn find it), without
    runpy.run_path and the modules it imports."""
    import builtins
    import types
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=path, __cached__=None, __loader__=None, __package__=None,
                         __spec__=None, __builtins__=builtins)
    sys.modules["__main__"] = main
    exec(code, main.__dict__)
