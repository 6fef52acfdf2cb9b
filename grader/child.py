"""The student's side of the sandbox: a fork server and the workers it forks.

Started by ``grader.sandbox`` as ``python -I -S child.py CONFIG`` from a private
folder that holds only this file and ``wire.py``. The server imports the
libraries (NumPy, and torch for the weeks that need it) and never imports
student code; for every exercise it forks a fresh worker, which joins a new
session, sets its resource limits, imports the student's modules and answers the
judge's requests over its own socket. Everything the worker sends is plain data
(see wire.py); other objects stay here and are named by handles. The warnings a call
emits go back with its answer, and the submission's own code cannot silence them
(`keep_warnings_loud`).

This file depends on the standard library, NumPy and wire.py alone: the judge's
package, the reference solutions and the checks are not importable here.
"""

import importlib
import json
import os
import resource
import signal
import socket
import stat
import sys
import traceback
import warnings

wire = None  # the copy of wire.py beside this file, imported once the path is set

MAX_TEXT = 4000


class Worker:
    """Serves one exercise: holds the handle table and answers requests."""

    def __init__(self, sock, package, sub_dir, max_message):
        self.sock = sock
        self.package = package
        self.sub_dir = sub_dir
        self.max_message = max_message
        self.objects = {}
        self.next_id = 1

    # -- handles ------------------------------------------------------------
    def keep(self, obj):
        hid = self.next_id
        self.next_id += 1
        self.objects[hid] = obj
        return hid

    def lookup(self, hid, type_name=None):
        if hid not in self.objects:
            raise KeyError(f"no object with handle {hid}")
        return self.objects[hid]

    def reply_value(self, value, keep):
        return _Kept(self.keep(value)) if keep else value

    # -- requests -----------------------------------------------------------
    def import_student(self, module):
        """Import a student module; whatever it does at import to NumPy's error state or
        the warning filters (np.seterr(all="ignore")) is undone, so that it cannot hide
        the warnings of the call that happens to import it."""
        import numpy as np

        with warnings.catch_warnings(), np.errstate():
            return importlib.import_module(f"{self.package}.{module}")

    def resolve(self, target):
        """'module.attr.attr' -> the object, importing the student's module."""
        module, _, rest = target.partition(".")
        obj = self.import_student(module)
        for part in rest.split(".") if rest else []:
            obj = getattr(obj, part)
        return obj

    def handle(self, req):
        op = req["op"]
        keep = bool(req.get("keep"))
        if op == "ping":
            return "pong"
        if op == "import":
            self.import_student(req["module"])
            return None
        if op == "call":
            fn = self.resolve(req["target"]) if isinstance(req["target"], str) else req["target"]
            return self.reply_value(fn(*req.get("args", ()), **req.get("kwargs", {})), keep)
        if op == "method":
            fn = getattr(req["obj"], req["name"])
            return self.reply_value(fn(*req.get("args", ()), **req.get("kwargs", {})), keep)
        if op == "getattr":
            obj = req["obj"] if "obj" in req else self.resolve(req["target"])
            return self.reply_value(getattr(obj, req["name"]) if "name" in req else obj, keep)
        if op == "getitem":
            return self.reply_value(req["obj"][req["key"]], keep)
        if op == "store":
            return _Kept(self.keep(req["value"]))
        if op == "fetch":
            return _Fetch(req["obj"])
        if op == "collect":
            out = []
            for i, item in enumerate(req["obj"]):
                if i >= int(req.get("limit", 10_000)):
                    return {"__too_many__": i}
                out.append(item)
            return out
        if op == "len":
            return len(req["obj"])
        if op == "rng":
            import numpy as np

            return _Kept(self.keep(np.random.default_rng(req["seed"])))
        if op == "runtime":  # one step of a training run or an evaluation (trainers.py), driven by the judge
            fn = importlib.import_module("trainers").OPS[req["fn"]]
            args = list(req.get("args", ()))
            if req["fn"] == "build":
                args[0] = self.resolve(args[0])
            return self.reply_value(fn(*args, **req.get("kwargs", {})), keep)
        if op == "release":
            for hid in req["ids"]:
                self.objects.pop(hid, None)
            return None
        raise ValueError(f"unknown request {op!r}")

    def serve(self):
        import numpy as np

        keep_warnings_loud(self.sub_dir)
        while True:
            try:
                raw = wire.recv(self.sock, self.max_message)
            except EOFError:
                return
            try:
                req = wire.decode(raw, on_handle=self.lookup)
            except Exception as e:  # the judge sent something this side cannot read
                self.send({"error": _describe(e, self.sub_dir)})
                continue
            if req.get("op") == "exit":
                return
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                        result = self.handle(req)
                    answer = {"ok": result}
                except BaseException as e:  # noqa: BLE001: every student failure is reported, SystemExit too
                    answer = {"error": _describe(e, self.sub_dir)}
            answer["warnings"] = [_warning_text(w) for w in caught[:20]]
            _flush_output()
            self.send(answer)

    def send(self, answer):
        special = answer.get("ok")
        if type(special) is _Kept:
            answer = dict(answer, ok=None, handle=[special.hid, wire._type_name(self.objects[special.hid])])
        elif type(special) is _Fetch:
            answer = dict(answer, ok=special.value, strict=True)
        try:
            if answer.pop("strict", False):
                payload = wire.encode(answer)  # fetch: plain data or an error
            else:
                payload = wire.encode(answer, on_object=self.keep)
        except wire.Unencodable as e:
            payload = wire.encode({"error": {"type": "Unencodable", "message": str(e), "traceback": ""}, "warnings": []})
        except Exception as e:  # noqa: BLE001: a hostile __len__, a recursion, ...
            payload = wire.encode({"error": _describe(e, self.sub_dir), "warnings": []})
        if len(payload) > self.max_message:
            payload = _too_large(f"the result has {len(payload)} bytes, over the limit of {self.max_message}")
        elif wire.json_size(payload) > wire.MAX_JSON_BYTES:  # the judge would refuse it unread
            payload = _too_large(f"the result holds {wire.json_size(payload)} bytes of lists, strings and other "
                                 f"plain data besides its arrays, over the limit of {wire.MAX_JSON_BYTES}; "
                                 "return large results as NumPy arrays")
        wire.send(self.sock, payload)


def _too_large(message):
    return wire.encode({"error": {"type": "TooLarge", "message": message, "traceback": ""}, "warnings": []})


# ---------------------------------------------------------------------------
# Warnings the submission cannot silence

HIDING_ACTIONS = ("ignore",)  # warning-filter actions that keep a warning out of the judge's record
QUIET_MODES = ("ignore", "print", "log")  # NumPy error modes that issue no warning


def _loud_errstate(kwargs):
    """NumPy error-state keywords with ``all`` spelled out per kind, and every quiet mode for
    over/divide/invalid made 'warn'. 'raise' and 'call' are kept (an exception to catch, or a
    handler of its own, is how a submission deals with the condition itself), and so is
    underflow, which the judge ignores anyway."""
    kwargs = dict(kwargs)
    every = kwargs.pop("all", None)
    for kind in ("divide", "over", "under", "invalid"):
        if kwargs.get(kind) is None and every is not None:
            kwargs[kind] = every
    for kind in ("divide", "over", "invalid"):
        if kwargs.get(kind) in QUIET_MODES:
            kwargs[kind] = "warn"
    return kwargs


def keep_warnings_loud(sub_dir):
    """Make the submission's own calls unable to hide a warning from the judge, for the life of
    this worker (which runs nothing but the submission's requests).

    numpy.errstate and numpy.seterr called from a submission file (or from code it compiled
    from a string) keep 'warn' for over/divide/invalid; warnings.simplefilter and
    warnings.filterwarnings with "ignore" do nothing; warnings.catch_warnings
    drops such an ``action``, and with ``record=True`` hands the submission its list while
    the judge still records every warning. Calls from NumPy, other libraries and this
    worker, whose caller is not a submission file, behave as before: whether a call is the
    submission's is read from its caller's frame.
    """
    import numpy as np

    prefix = os.path.join(sub_dir, "")

    def from_submission(depth=2):
        name = sys._getframe(depth).f_code.co_filename
        return name.startswith(prefix) or (name.startswith("<") and not name.startswith("<frozen"))

    base_errstate, base_seterr = np.errstate, np.seterr
    base_simplefilter, base_filterwarnings = warnings.simplefilter, warnings.filterwarnings

    class errstate(base_errstate):
        __slots__ = ()

        def __init__(self, **kwargs):
            super().__init__(**(_loud_errstate(kwargs) if from_submission() else kwargs))

    def seterr(all=None, divide=None, over=None, under=None, invalid=None):
        kwargs = {"all": all, "divide": divide, "over": over, "under": under, "invalid": invalid}
        return base_seterr(**(_loud_errstate(kwargs) if from_submission() else kwargs))

    def simplefilter(action, *args, **kwargs):
        if action in HIDING_ACTIONS and from_submission():
            return None
        return base_simplefilter(action, *args, **kwargs)

    def filterwarnings(action, *args, **kwargs):
        if action in HIDING_ACTIONS and from_submission():
            return None
        return base_filterwarnings(action, *args, **kwargs)

    class catch_warnings(warnings.catch_warnings):
        def __init__(self, *args, **kwargs):
            self._submission = from_submission()
            if self._submission and kwargs.get("action") in HIDING_ACTIONS:
                kwargs["action"] = None
            super().__init__(*args, **kwargs)

        def __enter__(self):
            judge = self._module._showwarnmsg_impl
            log = super().__enter__()
            if self._submission and log is not None:
                def record_both(message):
                    log.append(message)
                    judge(message)

                self._module._showwarnmsg_impl = record_both
            return log

    for name, module in list(sys.modules.items()):  # numpy, numpy._core, ...: wherever NumPy exports them
        if module is None or name.split(".")[0] != "numpy":
            continue
        if vars(module).get("errstate") is base_errstate:
            module.errstate = errstate
        if vars(module).get("seterr") is base_seterr:
            module.seterr = seterr
    warnings.simplefilter, warnings.filterwarnings = simplefilter, filterwarnings
    warnings.catch_warnings = catch_warnings


class _Kept:
    """A reply that is a handle to an object kept here."""

    def __init__(self, hid):
        self.hid = hid


class _Fetch:
    """A reply that must be plain data, or an error."""

    def __init__(self, value):
        self.value = value


def _safe_str(x):
    try:
        s = str(x)
    except BaseException:  # noqa: BLE001: a hostile __str__
        s = f"<{type(x).__name__} whose message could not be printed>"
    return s[:MAX_TEXT]


def _describe(e, sub_dir):
    """A student-facing description of an exception: type, message, and the frames
    of the traceback that are in the student's files."""
    frames = []
    try:
        for fs in traceback.extract_tb(e.__traceback__):
            if fs.filename.startswith(sub_dir):
                rel = os.path.relpath(fs.filename, sub_dir).split(os.sep, 1)[-1]
                frames.append(f'  File "{rel}", line {fs.lineno}, in {fs.name}\n    {(fs.line or "").strip()}')
        if isinstance(e, SyntaxError) and e.filename and str(e.filename).startswith(sub_dir):
            rel = os.path.relpath(e.filename, sub_dir).split(os.sep, 1)[-1]
            frames.append(f'  File "{rel}", line {e.lineno}\n    {(e.text or "").strip()}')
    except BaseException:  # noqa: BLE001
        pass
    return {
        "type": type(e).__name__,
        "message": _safe_str(e),
        "traceback": "\n".join(frames[-6:])[:MAX_TEXT],
        "not_implemented": isinstance(e, NotImplementedError),
        "memory": isinstance(e, MemoryError),
    }


def _flush_output():
    """Push what student code printed into the output pipe now: the worker ends with
    os._exit, which would drop whatever is still in Python's buffers."""
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001: a closed or replaced stream
            pass


def _warning_text(w):
    return {"category": w.category.__name__, "message": _safe_str(w.message)[:500], "line": int(w.lineno or 0)}


# ---------------------------------------------------------------------------
# Scratch folders


def empty_folder(top, mode=None):
    """Remove everything inside folder `top`, whatever student code did to it: files made read-only,
    folders without read, write or search permission (this process has the same owner, so it can
    chmod them back), and folders nested deeper than a path can name. `top` itself stays, given
    `mode` when one is passed. No process may be writing there meanwhile. Raises OSError when
    something cannot be removed, or when `top` is not a folder (a symbolic link is never followed).

    Every folder is emptied from the top level: a folder found inside another is first moved up
    to `top`, so no path is ever longer than two names and no more than two folders are open.
    """
    if not stat.S_ISDIR(os.lstat(top).st_mode):
        raise NotADirectoryError(f"{top} is not a folder")
    os.chmod(top, 0o700)
    top_fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    top_dev = os.fstat(top_fd).st_dev
    kept = _mount_ancestors(top)  # (dev, inode) of the folders that lead to something mounted below `top`
    todo = []  # folders at the top level, to empty and then remove
    taken = [0]

    def new_name():
        while True:
            taken[0] += 1
            name = f".dlgrade-emptying-{taken[0]}"
            try:
                os.stat(name, dir_fd=top_fd, follow_symlinks=False)
            except FileNotFoundError:
                return name

    def clear(parent_fd, name):
        info = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(name, dir_fd=parent_fd)  # a file, link, FIFO or socket: unlinked whatever its mode
            return
        if info.st_dev != top_dev:
            return  # something mounted here by the sandbox (a Python installation under the host's /tmp)
        if (info.st_dev, info.st_ino) in kept:  # a folder on the way to such a mount: emptied where it is
            clear_inside(parent_fd, name)
            return
        os.chmod(name, 0o700, dir_fd=parent_fd)  # a folder (never a link): readable, and movable
        if parent_fd == top_fd:
            todo.append(name)
        else:
            moved = new_name()
            os.rename(name, moved, src_dir_fd=parent_fd, dst_dir_fd=top_fd)
            todo.append(moved)

    def clear_inside(parent_fd, name):
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)
        try:
            for entry in list(os.scandir(fd)):
                clear(fd, entry.name)
        finally:
            os.close(fd)

    try:
        for entry in list(os.scandir(top_fd)):
            clear(top_fd, entry.name)
        while todo:
            name = todo.pop()
            clear_inside(top_fd, name)
            os.rmdir(name, dir_fd=top_fd)
    finally:
        os.close(top_fd)
    if mode is not None:
        os.chmod(top, mode)


def _mount_ancestors(top):
    """(st_dev, st_ino) of every folder strictly between `top` and a mount point below it (from
    /proc/self/mountinfo): those folders hold what the sandbox bound there and must stay."""
    prefix = os.path.realpath(top).rstrip("/") + "/"
    kept = set()
    try:
        with open("/proc/self/mountinfo") as f:
            points = [line.split()[4] for line in f]
    except OSError:
        return kept
    for point in points:
        if not point.startswith(prefix):
            continue
        parts = point[len(prefix):].split("/")
        for i in range(1, len(parts)):
            try:
                info = os.stat(prefix + "/".join(parts[:i]), follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                kept.add((info.st_dev, info.st_ino))
    return kept


# ---------------------------------------------------------------------------
# The fork server


def _limit(which, value):
    if value:
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


def _run_worker(spec, rpc, out_fd, control):
    control.close()
    os.setsid()
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    fd0 = os.open(os.devnull, os.O_RDONLY)
    os.dup2(fd0, 0)
    lim = spec["limits"]  # grader.sandbox.worker_limits; one left out (RLIMIT_AS on CUDA) stays as the server's
    _limit(resource.RLIMIT_AS, lim.get("memory_bytes"))
    _limit(resource.RLIMIT_CPU, lim.get("cpu_seconds"))
    _limit(resource.RLIMIT_FSIZE, lim.get("file_bytes"))
    _limit(resource.RLIMIT_NPROC, lim.get("processes"))
    _limit(resource.RLIMIT_CORE, 0)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    os.chdir(spec["workdir"])
    sys.path.insert(0, spec["sub_root"])
    worker = Worker(rpc, spec["package"], spec["sub_root"], spec["max_message"])
    try:
        worker.serve()
    finally:
        _flush_output()
        os._exit(0)


def _wait(pid):
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return -1


def _kill_all_but_me(worker):
    """In the sandbox's own PID namespace: SIGKILL every process except this server
    and the namespace's first process, until none is left (a process may fork while
    we look), and return the wait status of `worker`. Processes that left the
    worker's session or process group die too."""
    import time

    me = os.getpid()
    status = None
    for _ in range(1000):
        alive = []
        for pid in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]:
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    if f.read().rsplit(b")", 1)[-1].split()[0] == b"Z":
                        continue  # a zombie: already dead, waiting to be reaped
                os.kill(pid, signal.SIGKILL)
                alive.append(pid)
            except (OSError, IndexError):
                pass
        if status is None:
            status = _wait(worker)  # our child: reaped here (the namespace's init reaps the others)
        if not alive:
            return status
        time.sleep(0.001)
    # Something forks faster than we can kill: end the whole namespace instead (this server is
    # its last process but the init; the judge sees the server gone and starts a new sandbox).
    os._exit(70)


_warmed = []


def _warm_torch(torch):
    """Pay once, here, before forking the first worker that trains or evaluates a network, what
    the first call of torch.use_deterministic_algorithms costs (about a second of lazy imports),
    which each such worker would pay again (grader.trainers.build calls it); the setting itself is
    left as it was. A server whose workers never train never pays it."""
    if _warmed:
        return
    _warmed.append(True)
    try:
        torch.use_deterministic_algorithms(torch.are_deterministic_algorithms_enabled(),
                                           warn_only=torch.is_deterministic_algorithms_warn_only_enabled())
    except Exception:
        pass


def main():
    global wire
    config = json.loads(sys.argv[1])
    sys.path[:] = [os.path.dirname(os.path.abspath(__file__)), *config["sys_path"]]
    wire = importlib.import_module("wire")
    sys.dont_write_bytecode = True
    for name in config.get("preload", []):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    control = socket.socket(fileno=int(config["control_fd"]))
    control.sendall(json.dumps({"ready": True}).encode())
    modes = {}  # scratch folder -> its mode when first seen, before any student code ran
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(control, 1 << 16, 4)
        except OSError:
            return
        if not msg:
            return
        req = json.loads(msg)
        if req["op"] == "spawn":
            # Every worker starts with empty scratch folders (/tmp, /dev/shm): what an earlier exercise's
            # code wrote there (the inputs of hidden checks, say) must not reach this one. The judge
            # killed every earlier worker, and all they started, before asking (Sandbox._spawn_once).
            try:
                for folder in req.get("scratch", []):
                    if folder not in modes:
                        modes[folder] = stat.S_IMODE(os.lstat(folder).st_mode)
                    empty_folder(folder, modes[folder])
            except OSError as e:
                for fd in fds:
                    os.close(fd)
                control.sendall(json.dumps({"error": f"could not empty {folder} ({e})"}).encode())
                continue
            if req.get("warm") and "torch" in sys.modules:  # a worker that trains or evaluates a network
                _warm_torch(sys.modules["torch"])
            rpc = socket.socket(fileno=fds[0])
            pid = os.fork()
            if pid == 0:
                _run_worker(req, rpc, fds[1], control)
            rpc.close()
            os.close(fds[1])
            control.sendall(json.dumps({"pid": pid}).encode())
        elif req["op"] in ("wait", "kill"):
            if req["op"] == "kill" and config.get("pid_namespace"):
                status = _kill_all_but_me(req["pid"])
            else:
                status = _wait(req["pid"])
            control.sendall(json.dumps({"status": status}).encode())
        else:
            return


if __name__ == "__main__":
    main()
