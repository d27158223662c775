"""Recording multiprocessing's spawned children.

A spawned child is a fresh interpreter running
`python -c "from multiprocessing.spawn import spawn_main; ..."`. We put
`import mojo_record._child` in front of that program, so that the child
starts recording (from the ENV_CHILD variable the parent set) before it
unpickles and runs the target. multiprocessing.spawn may not be imported
yet: a finder waits for it and patches it once loaded.
"""
import sys
from importlib.machinery import PathFinder

_PREFIX = "import mojo_record._child; "


def _patch(spawn):
    original = spawn.get_command_line
    if getattr(original, "_mojo_record", False):
        return

    def get_command_line(**kwds):
        cmd = list(original(**kwds))
        for i, arg in enumerate(cmd[:-1]):
            if arg == "-c" and not cmd[i + 1].startswith(_PREFIX):
                cmd[i + 1] = _PREFIX + cmd[i + 1]
                break
        return cmd
    get_command_line._mojo_record = True
    spawn.get_command_line = get_command_line


class _Loader:
    """Wraps the real loader; patches the module once it ran."""

    def __init__(self, inner):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        _patch(module)


class _Finder:
    """A meta path finder that only waits for multiprocessing.spawn (plain
    duck typing: importlib.abc would import half the standard library)."""

    def find_spec(self, name, path=None, target=None):
        if name != "multiprocessing.spawn":
            return None
        sys.meta_path.remove(self)      # find the real module, once
        spec = PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _Loader(spec.loader)
        return spec


def install():
    spawn = sys.modules.get("multiprocessing.spawn")
    if spawn is not None:
        _patch(spawn)
    elif not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
