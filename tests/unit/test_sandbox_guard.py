"""The in-sandbox guard's rules, checked in this process (no sandbox started): the hook is called directly,
never installed, so nothing here changes the test process."""

import builtins
import os
import types

import pytest

from cookbook.sandbox.run import CHILD


def load(name: str) -> dict:
    """A sandbox-side module, loaded the way _child.py loads it (private namespace, private builtins)."""
    ns = {"__name__": "sandbox" + name[:-3], "__builtins__": dict(vars(builtins))}
    path = CHILD.parent / name
    exec(compile(path.read_text(), str(path), "exec"), ns)
    return ns


guard = load("_guard.py")
Denied = guard["SandboxDenied"]


@pytest.fixture
def hook(tmp_path):
    policy = {"workdir": str(tmp_path), "protected_fds": {987}, "parent_pid": 4242, "block_introspection": True,
              "block_processes": True, "block_sockets": True, "confine_writes": True,
              "deny_read": [str(tmp_path.parent / "secret")], "allow_read": [str(tmp_path.parent / "secret/py")]}
    fn, disarm = guard["make_hook"](policy)
    fn.disarm = disarm
    return fn


def test_writes_are_confined_to_the_working_directory(hook, tmp_path):
    hook("open", (str(tmp_path / "ok.txt"), "w", 0))
    hook("open", ("relative-is-cwd-based.txt", "r", 0))
    hook("open", ("/dev/null", "w", 0))
    for path, mode, flags in ((str(tmp_path.parent / "x"), "w", 0), ("/etc/passwd", "a", 0),
                              (str(tmp_path / ".." / "x"), "r+", 0), ("/tmp/x", None, os.O_WRONLY | os.O_CREAT)):
        with pytest.raises(Denied):
            hook("open", (path, mode, flags))
    with pytest.raises(Denied):
        hook("os.remove", ("/etc/hosts", -1))
    with pytest.raises(Denied):
        hook("os.rename", (str(tmp_path / "a"), "/tmp/b", -1, -1))
    with pytest.raises(Denied):
        hook("os.rename", ("/etc/hosts", str(tmp_path / "b"), -1, -1))  # moving it away deletes it there
    with pytest.raises(Denied):
        hook("shutil.rmtree", ("/etc", None))
    hook("os.mkdir", (str(tmp_path / "sub"), 0o777, -1))


def test_a_symlink_out_of_the_working_directory_is_followed(hook, tmp_path):
    (tmp_path / "link").symlink_to("/etc")
    with pytest.raises(Denied):
        hook("open", (str(tmp_path / "link" / "passwd"), "w", 0))


def test_private_proc_files_protected_fds_and_reads_under_the_real_home(hook, tmp_path):
    for path in ("/proc/self/fd/5", "/proc/1/environ", "/proc/self/mem", "/dev/fd/7", "/proc/self/task/1/fd/3"):
        with pytest.raises(Denied):
            hook("open", (path, "r", 0))
    hook("open", ("/proc/self/status", "r", 0))
    with pytest.raises(Denied):
        hook("open", (987, "rb", 0))
    hook("open", (1, "w", 0))
    with pytest.raises(Denied):
        hook("open", (str(tmp_path.parent / "secret" / "id_rsa"), "r", 0))
    hook("open", (str(tmp_path.parent / "secret" / "py" / "os.py"), "r", 0))
    with pytest.raises(Denied):
        hook("os.listdir", ("/proc/self/fd",))


def test_introspection_processes_sockets_and_signals(hook):
    with pytest.raises(ValueError):  # what namedtuple & co. expect from a too-shallow stack
        hook("sys._getframe", (None,))
    for event, args in (("object.__getattr__", (None, "tb_frame")), ("object.__getattr__", (None, "gi_frame")),
                        ("gc.get_objects", (-1,)), ("gc.get_referrers", ((),)), ("sys.settrace", ()),
                        ("sys._current_frames", ()), ("ctypes.dlopen", (None,)), ("ctypes.cdata", (0,)),
                        ("import", ("_testcapi", None, [], [], [])), ("os.fork", ()), ("os.system", (b"sh",)),
                        ("subprocess.Popen", ("sh", [], None, None)), ("import", ("_posixsubprocess", None)),
                        ("socket.__new__", (None, 2, 1, 0)), ("socket.connect", (None, ("1.1.1.1", 53))),
                        ("os.kill", (-1, 9)), ("os.kill", (4242, 9)), ("os.killpg", (1, 9))):
        with pytest.raises(Denied):
            hook(event, args)
    hook("object.__getattr__", (None, "__code__"))
    hook("os.kill", (os.getpid(), 0))
    hook("os.kill", (12345, 15))
    hook("os.killpg", (os.getpgrp(), 9))
    hook("import", ("ctypes", None, [], [], []))  # numpy imports it; its audited doors stay shut
    hook.disarm()  # after the verdict: frames are fine again (for the failure's traceback)
    hook("sys._getframe", (None,))
    hook("object.__getattr__", (None, "tb_frame"))


def test_a_str_subclass_cannot_talk_its_way_past_the_import_rule(hook):
    class Liar(str):
        def partition(self, sep):
            return ("harmless", "", "")

        def __hash__(self):
            return 0

        def __eq__(self, other):
            return False

    with pytest.raises(Denied):
        hook("import", (Liar("_testcapi"), None, [], [], []))


def test_check_plain_accepts_builtin_data_only():
    check = guard["check_plain"]
    cyclic = [1]
    cyclic.append(cyclic)
    for ok in (1, 2.5, "s", b"b", None, True, [1, (2, {"k": {3}})], frozenset({1}), range(3), cyclic, 1j):
        check(ok)

    class Anything:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    class Meta(type):
        __flags__ = 0  # lies about being a heap type

        def __eq__(cls, other):
            return True

        __hash__ = type.__hash__

    class Sneaky(metaclass=Meta):
        pass

    class MyInt(int):
        pass

    for bad in (Anything(), [1, [2, Anything()]], {"k": Anything()}, {Anything(): 1}, MyInt(3), Sneaky()):
        with pytest.raises(TypeError):
            check(bad)
    wrapped = guard["plain_results"](lambda x: Anything() if x else x)
    assert wrapped(0) == 0
    with pytest.raises(TypeError):
        wrapped(1)


def test_numpy_scalars_pass_check_plain():
    numpy = pytest.importorskip("numpy")
    guard["check_plain"](numpy.float64(1.5))
    guard["check_plain"]([numpy.int64(3)])


def test_sandbox_side_modules_define_no_class_with_methods():
    """object.__subclasses__() has no audit event: any class they define could be found, and a method's
    __globals__ would lead to the harness's globals and builtins (the corpus's subclasses_reach_harness)."""
    for name in ("_guard.py", "_harness.py", "_child.py"):
        ns = load(name)  # their __name__ is not "__main__": _child.py does not boot
        for value in ns.values():
            if isinstance(value, type) and value.__module__ == ns["__name__"]:
                assert not any(isinstance(v, types.FunctionType) for v in vars(value).values()), (name, value)
