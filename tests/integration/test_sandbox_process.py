"""test_sandbox_process.py: the process a plugin runs in, seen from /proc while it runs a plugin sent to
the preview (issue 14): citybench-sandbox, an exec of its own: an empty environment, its socket as its
only descriptor, no shared mapping of the worker's (cache, counters, rate limits), its own address
layout, `nobody` when the stack runs as root.  And what the plugin sees of the Lua surface: no
coroutine, no address in any text, through the preview and `plugin check`."""
import os
import re
import tempfile
import threading

import json

from cb import cli, error_of, post, researcher_token

# Spins in every city under the per-call budget, so the process lives until the total or CPU budget
# ends it (about a second of CPU): long enough to be looked at, short enough for the suite.
SLOW = b"""return {
  id = "slow_for_proc",
  title = "Slow", description = "spins in every city", unit = "number",
  higher_is_better = true, version = "1.0", inputs = { "dedicated_funding" },
  compute = function(city)
    local x = 0
    for i = 1, 2000000 do x = x + i end
    return x
  end,
}
"""


def _read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def _ours(pid):
    """True when pid is a citybench-sandbox whose parent is a worker of this suite's stack (other
    stacks may run on the machine: the worker's environment names this suite's database)."""
    try:
        if not os.readlink("/proc/%d/exe" % pid).endswith("/citybench-sandbox"):
            return False
        ppid = int(re.search(r"^PPid:\s*(\d+)", _read("/proc/%d/status" % pid), re.M).group(1))
        host = re.search(r"host=(\S+)", os.environ["CITYBENCH_DB"])
        env = _read("/proc/%d/environ" % ppid, "rb")
        return host is None or host.group(1).encode() in env
    except (OSError, AttributeError, ValueError):
        return False


def _look(pid):
    """Everything the test checks about the process, read while it lives; None if it ended."""
    try:
        status = _read("/proc/%d/status" % pid)
        ppid = int(re.search(r"^PPid:\s*(\d+)", status, re.M).group(1))
        seen = {
            "exe": os.readlink("/proc/%d/exe" % pid),
            "environ": _read("/proc/%d/environ" % pid, "rb"),
            "fds": {fd: os.readlink("/proc/%d/fd/%s" % (pid, fd)) for fd in os.listdir("/proc/%d/fd" % pid)},
            "maps": _read("/proc/%d/maps" % pid),
            "uid": [int(x) for x in re.search(r"^Uid:\s*(.*)$", status, re.M).group(1).split()],
            "nnp": re.search(r"^NoNewPrivs:\s*(\d+)", status, re.M).group(1),
            "seccomp": re.search(r"^Seccomp:\s*(\d+)", status, re.M).group(1),
            "parent_uid": int(re.search(r"^Uid:\s*(\d+)", _read("/proc/%d/status" % ppid), re.M).group(1)),
            "parent_maps": _read("/proc/%d/maps" % ppid),
        }
        os.kill(pid, 0)
        return seen
    except (OSError, AttributeError):
        return None


def _catch_sandbox(body, tries=5):
    """Posts body to the preview and looks at its sandbox while it runs."""
    rt = researcher_token("proc-viewer")
    for _ in range(tries):
        answer = {}
        t = threading.Thread(target=lambda: answer.setdefault(
            "r", post("/api/plugins/preview", body, "text/x-lua", rt)))
        t.start()
        seen = None
        while t.is_alive() and seen is None:
            for d in os.listdir("/proc"):
                if d.isdigit() and _ours(int(d)):
                    seen = _look(int(d))
                    # Caught between the exec and its seccomp filter (the last step of its
                    # hardening, before it reads the plugin): look again.
                    if seen and seen["seccomp"] != "2":
                        seen = None
                    if seen:
                        break
        t.join()
        assert answer["r"].status in (200, 422, 429), answer["r"].status
        if seen:
            return seen
    raise AssertionError("never saw the sandbox process while the preview ran")


def _shared(maps):
    """The names of the shared mappings in a maps text (the 4th permission letter is 's')."""
    out = set()
    for line in maps.splitlines():
        f = line.split(None, 5)
        if len(f) >= 2 and f[1][3] == "s":
            out.add(f[5].strip() if len(f) > 5 else "[anonymous shared]")
    return out


def _base(maps, lib):
    for line in maps.splitlines():
        if lib in line:
            return line.split("-")[0]
    return None


def test_sandbox_process_from_proc():
    seen = _catch_sandbox(SLOW)
    assert seen["exe"].endswith("/citybench-sandbox"), seen["exe"]
    assert seen["environ"] == b"", seen["environ"][:200]
    # Its socket to the worker, and nothing else: no stdin/stdout/stderr, no database, no log.
    assert list(seen["fds"]) == ["0"], seen["fds"]
    assert seen["fds"]["0"].startswith("socket:"), seen["fds"]
    # The one shared page is its own progress memfd; nothing of the worker's shared memory.
    shared = _shared(seen["maps"])
    assert shared <= {"/memfd:citybench-progress (deleted)"}, shared
    worker_shared = _shared(seen["parent_maps"]) - {"/memfd:citybench-progress (deleted)"}
    assert not (worker_shared & shared), worker_shared & shared
    for bad in ("/dev/zero", "/SYSV", "/dev/shm"):
        assert bad not in seen["maps"], bad
    # Its own layout: the C library is not where the worker has it.
    mine, theirs = _base(seen["maps"], "libc.so"), _base(seen["parent_maps"], "libc.so")
    assert mine and theirs and mine != theirs, (mine, theirs)
    assert seen["nnp"] == "1" and seen["seccomp"] == "2", (seen["nnp"], seen["seccomp"])
    if seen["parent_uid"] == 0:
        nobody = int(re.search(r"^nobody:[^:]*:(\d+):", _read("/etc/passwd"), re.M).group(1))
        assert seen["uid"] == [nobody] * 4, seen["uid"]


def _plugin(body):
    return ("""return {
  id = "surface", title = "Surface", description = "D", unit = "number",
  higher_is_better = true, version = "1.0", inputs = { "dedicated_funding" },
  compute = function(city)
%s
  end,
}
""" % body).encode()


def _preview_error(src):
    e = error_of(post("/api/plugins/preview", src, "text/x-lua", researcher_token("surface")), 422)
    return json.dumps(e)


def test_no_address_and_no_coroutine_in_preview():
    msg = _preview_error(_plugin('    error("t " .. tostring({}) .. " " .. tostring(print or error) .. " " .. string.format("%s", {}))'))
    assert "t table function table" in msg, msg
    assert not re.search(r"0x[0-9a-f]{4,}", msg), msg
    msg = _preview_error(_plugin('    return #string.format("%p", {})'))
    assert "'%p' is not allowed" in msg and not re.search(r"0x[0-9a-f]{4,}", msg), msg
    msg = _preview_error(open(os.path.join(os.environ["CITYBENCH_ROOT"],
                                           "tests/plugins/hostile/lua544_coroutine_close.lua"), "rb").read())
    assert "global 'coroutine'" in msg, msg


def test_plugin_check_refuses_coroutine_close_chain():
    path = os.path.join(os.environ["CITYBENCH_ROOT"], "tests/plugins/hostile/lua544_coroutine_close.lua")
    st, out, err = cli("plugin", "check", path, check=False)
    assert st == 1, (st, out, err)
    assert "global 'coroutine'" in err + out, err
    assert "crashed" not in err + out, err


def test_a_crashing_sandbox_is_a_refused_plugin():
    # A sandbox program that dies of a signal at once: the CLI reports a refused plugin, no crash.
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write("#!/bin/sh\nkill -SEGV $$\n")
    os.chmod(f.name, 0o755)
    try:
        path = os.path.join(os.environ["CITYBENCH_ROOT"], "plugins/funding_share.lua")
        st, out, err = cli("plugin", "check", path, check=False, env={"CITYBENCH_SANDBOX": f.name})
        assert st == 1, (st, out, err)
        assert "the sandbox crashed (signal 11" in err, err
    finally:
        os.unlink(f.name)
