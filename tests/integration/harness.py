"""Shared harness for maestro's integration tests.

Starts a real maestrod in a fresh temporary directory, talks to it over raw
Unix sockets or through maestroctl, and always cleans up: every daemon is
stopped (SIGTERM, then SIGKILL), its exit status and log are checked for
sanitizer reports, and its log is printed when the test failed.

Standard library only. The binaries come from the environment:

    MAESTROD       path to the built maestrod
    MAESTROCTL     path to the built maestroctl
    MAESTRO_UNITS  directory with the configured systemd units

meson sets them (tests/integration/meson.build); to run one module by hand:

    MAESTROD=build/daemon/maestrod MAESTROCTL=build/client/maestroctl \
    MAESTRO_UNITS=build/systemd python3 tests/integration/test_protocol.py
"""

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True


def _binary(var):
    path = os.environ.get(var)
    if not path:
        sys.stderr.write(
            "harness: %s is not set; run through 'meson test --suite integration' or set "
            "MAESTROD, MAESTROCTL and MAESTRO_UNITS (see harness.py)\n" % var)
        sys.exit(2)
    return os.path.abspath(path)


MAESTROD = _binary("MAESTROD")
MAESTROCTL = _binary("MAESTROCTL")
MAESTRO_UNITS = os.environ.get("MAESTRO_UNITS", "")

# meson sets ASAN_OPTIONS/UBSAN_OPTIONS for every test; sanitized builds are
# several times slower, so every timeout scales with this.
SANITIZED = bool(os.environ.get("ASAN_OPTIONS") or os.environ.get("UBSAN_OPTIONS"))
SLOW = 4.0 if SANITIZED else 1.0

# What a sanitizer prints when it finds something; any of these fails the test.
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "SUMMARY: AddressSanitizer",
    "WARNING: ThreadSanitizer",
)

# Variables that would change how maestrod runs if they leaked in from the
# environment the tests run in (a systemd service, a desktop session).
_SCRUB = ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC",
          "WATCHDOG_PID", "JOURNAL_STREAM", "MAESTRO_SOCKET")

DEFAULT_MAX_LINE = 1024 * 1024
# PRAGMA user_version of a database this maestrod creates (daemon/store.h).
SCHEMA_VERSION = 6

RPC_PARSE_ERROR = -32700
RPC_INVALID_REQUEST = -32600
RPC_METHOD_NOT_FOUND = -32601
RPC_INVALID_PARAMS = -32602
E_UNAUTHORIZED = -32000
E_OVERLOADED = -32004
E_INVALID_CONFIG = -32006

_live = set()  # Popen objects still to be killed at exit, whatever happens


def _kill_group(p):
    """Kills what is left of the process group p leads (a wrapper's children)."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@atexit.register
def _kill_leftovers():
    for p in list(_live):
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except Exception:
                pass
        _kill_group(p)


def clean_env(extra=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB and k not in drop}
    if extra:
        env.update(extra)
    return env


def sanitizer_report(text):
    """The first sanitizer marker in text, or None."""
    for m in SANITIZER_MARKERS:
        if m in text:
            return m
    return None


def maestrod_version():
    out = subprocess.run([MAESTROD, "--version"], capture_output=True, text=True, timeout=30)
    # "maestrod 0.1.0 (protocol 1)"
    return out.stdout.split()[1]


class DaemonExited(AssertionError):
    pass


class Daemon:
    """One maestrod process with its own socket, database, config and log."""

    def __init__(self, testcase, directory, config="", socket_path=None, db_path=None,
                 config_path=None, args=(), env=None, wrapper=(), log_level="debug",
                 write_config=True, name="maestrod"):
        self.tc = testcase
        self.dir = directory
        self.socket_path = socket_path or os.path.join(directory, "maestrod.sock")
        self.db_path = db_path or os.path.join(directory, "maestro.db")
        self.config_path = config_path or os.path.join(directory, "maestrod.conf")
        self.log_path = os.path.join(directory, name + ".log")
        self.name = name
        if write_config:
            self.write_config(config)
        cmd = list(wrapper) + [MAESTROD, "--socket", self.socket_path, "--db", self.db_path,
                               "--config", self.config_path]
        if log_level:
            cmd += ["--log-level", log_level]
        self.cmd = cmd + list(args)
        self.env = clean_env(env)
        self.proc = None
        self.returncode = None
        self._checked = False

    # -- process ----------------------------------------------------------

    def write_config(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    def start(self, wait=True, timeout=10):
        self._logf = open(self.log_path, "ab")
        # A session of its own: whatever a wrapper leaves behind can be killed
        # by process group in cleanup().
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self._logf,
                                     stderr=self._logf, env=self.env, close_fds=True,
                                     start_new_session=True)
        _live.add(self.proc)
        if wait:
            self.wait_ready(timeout)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=10):
        """Waits until maestrod answers a ping.

        A successful connect() is not enough: maestrod listens before it has
        opened its database and set up its signal handlers, and a connection
        made then merely waits in the backlog.
        """
        deadline = time.monotonic() + timeout * SLOW
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DaemonExited("%s exited with status %s before it served requests:\n%s"
                                   % (self.name, self.proc.returncode, self.log()))
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.settimeout(max(0.05, deadline - time.monotonic()))
                s.connect(self.socket_path)
                s.sendall(b'{"jsonrpc":"2.0","id":"ready","method":"system.ping"}\n')
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = s.recv(4096)
                    if not chunk:
                        raise ConnectionResetError("closed before the reply")
                    buf += chunk
                if b'"pong":true' in buf:
                    return
                last = buf
            except OSError as e:
                last = e
            finally:
                s.close()
            time.sleep(0.01)
        raise AssertionError("%s did not answer on %s within %.0fs (%s):\n%s"
                             % (self.name, self.socket_path, timeout * SLOW, last, self.log()))

    def wait_exit(self, timeout=15):
        """Waits for the process to end by itself and returns its exit status."""
        try:
            self.returncode = self.proc.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("%s did not exit within %.0fs:\n%s"
                                 % (self.name, timeout * SLOW, self.log()))
        _live.discard(self.proc)
        return self.returncode

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        """SIGTERM, then the exit status, which must be 0."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            rc = self.wait_exit(timeout)
            if rc != 0:
                raise AssertionError("%s exited with status %s after SIGTERM (expected 0):\n%s"
                                     % (self.name, rc, self.log()))
        return self.proc.returncode

    def cleanup(self):
        """Stops the daemon if it still runs; fails on a bad exit or a sanitizer report."""
        if self.proc is None or self._checked:
            return
        self._checked = True
        try:
            if self.alive():
                self.stop()
        finally:
            _live.discard(self.proc)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            _kill_group(self.proc)
            self._logf.close()
        self.check_sanitizers()

    def check_sanitizers(self):
        log = self.log()
        marker = sanitizer_report(log)
        if marker:
            raise AssertionError("%s reported %r (exit status %s):\n%s"
                                 % (self.name, marker, self.proc.returncode, log))

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, needle, timeout=10, start=0):
        """Waits for needle to appear in the log after offset start; returns the log."""
        deadline = time.monotonic() + timeout * SLOW
        while True:
            text = self.log()
            if needle in text[start:]:
                return text
            if time.monotonic() >= deadline:
                raise AssertionError("%r did not appear in the log of %s within %.0fs:\n%s"
                                     % (needle, self.name, timeout * SLOW, text))
            if self.proc.poll() is not None:
                raise DaemonExited("%s exited with status %s while waiting for %r:\n%s"
                                   % (self.name, self.proc.returncode, needle, text))
            time.sleep(0.02)

    def log_size(self):
        return len(self.log())

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    # -- clients ------------------------------------------------------------

    def connect(self, timeout=10):
        c = Conn(self.socket_path, timeout)
        self.tc.addCleanup(c.close)  # closing twice is fine
        return c

    def call(self, method, params=None, timeout=10):
        """One request on a fresh connection; returns the reply object."""
        with self.connect(timeout) as c:
            return c.call(method, params)

    def status(self):
        r = self.call("system.status")
        self.tc.assertIn("result", r, r)
        return r["result"]

    def wait_audit_committed(self, n=1, timeout=10):
        """Waits until n audit rows are committed and none is queued.

        Tests that hold SQLite's write lock call this first, so that the
        daemon.start row is not caught behind their lock.
        """
        deadline = time.monotonic() + timeout * SLOW
        while True:
            a = self.status()["audit"]
            if a["committed"] >= n and a["queued"] == 0:
                return a
            if time.monotonic() >= deadline:
                raise AssertionError("audit rows not committed within %.0fs: %r"
                                     % (timeout * SLOW, a))
            time.sleep(0.01)

    def wait_nothing_in_flight(self, timeout=10):
        """Waits until no decision is left in the pipeline: every one that
        entered it reached the audit writer or ended without a row. The
        writer waits for decisions in flight before it commits, so one
        counted forever would slow every commit after it."""
        deadline = time.monotonic() + timeout * SLOW
        while True:
            a = self.status()["audit"]
            if a["in_flight"] == 0:
                return a
            if time.monotonic() >= deadline:
                raise AssertionError("decisions still in flight after %.0fs: %r"
                                     % (timeout * SLOW, a))
            time.sleep(0.01)

    def sqlite_lock(self):
        """A connection holding SQLite's write lock on the database (BEGIN IMMEDIATE):
        the audit writer cannot commit until it is rolled back."""
        import sqlite3
        self.wait_audit_committed()
        lock = sqlite3.connect(self.db_path, timeout=10 * SLOW, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        return lock

    def ctl(self, *args, **kw):
        kw.setdefault("socket_path", self.socket_path)
        return run_ctl(self.tc, *args, **kw)

    def sqlite_rows(self, sql):
        import sqlite3
        db = sqlite3.connect(self.db_path, timeout=10)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()


def run_ctl(tc, *args, socket_path=None, env=None, timeout=30, user=None, json_out=False):
    """Runs maestroctl; returns the CompletedProcess (text). Fails on a sanitizer report."""
    cmd = [MAESTROCTL]
    if socket_path is not None:
        cmd += ["--socket", socket_path]
    if json_out:
        cmd.append("--json")
    cmd += list(args)
    kw = {}
    if user is not None:
        import pwd
        pw = pwd.getpwnam(user)
        kw = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * SLOW,
                       env=clean_env(env), stdin=subprocess.DEVNULL, **kw)
    marker = sanitizer_report(p.stderr)
    if marker:
        tc.fail("maestroctl %s reported %r:\n%s" % (" ".join(args), marker, p.stderr))
    return p


class Closed(Exception):
    """The peer closed the connection (EOF or reset)."""


def encode(obj):
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def request(method, params=None, id=1):
    r = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        r["params"] = params
    return r


class Conn:
    """A raw connection: bytes out, lines (or JSON objects) in, with timeouts."""

    def __init__(self, path, timeout=10):
        self.path = path
        self.timeout = timeout * SLOW
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = bytearray()
        self.closed_by_peer = False
        self.next_id = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def fileno(self):
        return self.sock.fileno()

    def send(self, data):
        self.sock.sendall(data)

    def send_json(self, obj):
        self.send(encode(obj))

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no complete line from maestrod within %.1fs (have %d bytes: %r)"
                               % (self.timeout, len(self.buf), bytes(self.buf[:200])))
        r, _, _ = select.select([self.sock], [], [], left)
        if not r:
            return
        try:
            data = self.sock.recv(1 << 20)
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed_by_peer = True
            raise Closed()
        self.buf += data

    def read_line(self, timeout=None):
        """The next line without its '\\n'; raises Closed at EOF, TimeoutError."""
        deadline = time.monotonic() + (timeout * SLOW if timeout else self.timeout)
        start = 0
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 1]
                return line
            start = len(self.buf)
            if self.closed_by_peer:
                raise Closed()
            self._fill(deadline)

    def read_json(self, timeout=None):
        line = self.read_line(timeout)
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise AssertionError("maestrod sent a line that is not JSON (%s): %r" % (e, line[:300]))
        if not isinstance(obj, dict) or obj.get("jsonrpc") != "2.0":
            raise AssertionError("maestrod sent a line that is not a JSON-RPC 2.0 object: %r"
                                 % line[:300])
        return obj

    def call(self, method, params=None, id=None):
        if id is None:
            id = self.next_id
            self.next_id += 1
        self.send_json(request(method, params, id))
        r = self.read_json()
        if r.get("id") != id:
            raise AssertionError("reply to id %r came with id %r: %r" % (id, r.get("id"), r))
        return r

    def expect_closed(self, timeout=5):
        """Asserts that maestrod closes the connection with nothing more to say."""
        try:
            line = self.read_line(timeout)
        except Closed:
            return
        except TimeoutError:
            raise AssertionError("maestrod did not close the connection within %.0fs" % (timeout * SLOW))
        raise AssertionError("expected the connection to be closed, got %r" % line[:300])

    def is_open(self):
        """True if the peer has not closed (nothing pending is consumed)."""
        r, _, _ = select.select([self.sock], [], [], 0)
        if not r:
            return True
        try:
            data = self.sock.recv(1 << 16, socket.MSG_PEEK)
        except ConnectionResetError:
            return False
        return bool(data)


class MaestroTestCase(unittest.TestCase):
    """A test with its own temporary directory and daemons, always cleaned up."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="maestro-it-")
        self._daemons = []

    def run(self, result=None):
        if result is None:
            return super().run(result)
        before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            if len(result.failures) + len(result.errors) > before:
                for d in getattr(self, "_daemons", []):
                    sys.stderr.write("\n----- log of %s (%s), exit status %s -----\n%s"
                                     "----- end of log -----\n"
                                     % (d.name, d.log_path,
                                        d.proc.returncode if d.proc else "not started",
                                        d.log()))
            tmp = getattr(self, "tmp", None)
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)

    def new_daemon(self, directory=None, **kw):
        d = Daemon(self, directory or self.tmp, **kw)
        self._daemons.append(d)
        self.addCleanup(d.cleanup)
        return d

    def start_daemon(self, directory=None, **kw):
        return self.new_daemon(directory, **kw).start()

    def ctl(self, *args, **kw):
        return run_ctl(self, *args, **kw)

    def assertError(self, reply, code, id=None, contains=None):
        """reply is a JSON-RPC error with code, the given id, and a message containing text."""
        self.assertNotIn("result", reply, reply)
        self.assertIn("error", reply, reply)
        err = reply["error"]
        self.assertEqual(err.get("code"), code, reply)
        self.assertIsInstance(err.get("message"), str, reply)
        self.assertIn("id", reply, reply)
        self.assertEqual(reply["id"], id, reply)
        for text in ([contains] if isinstance(contains, str) else (contains or [])):
            self.assertIn(text.lower(), err["message"].lower(), reply)
        return err

    def assertPong(self, reply, id, data=None):
        self.assertNotIn("error", reply, reply)
        self.assertEqual(reply.get("id"), id, reply)
        expect = {"pong": True}
        if data is not None:
            expect["data"] = data
        self.assertEqual(reply.get("result"), expect, reply)

    def assertServes(self, conn, tag="check"):
        """conn still gets a correct answer."""
        r = conn.call("system.ping", {"data": tag}, id="after-" + tag)
        self.assertPong(r, "after-" + tag, tag)


def sqlite3_or_skip(tc):
    try:
        import sqlite3
        return sqlite3
    except ImportError:
        tc.skipTest("python3 has no sqlite3 module")


def talk_as(uid, gid, groups, path, lines, timeout=5.0):
    """In a forked child running as uid/gid/groups: connects to path, sends
    lines (bytes), reads until EOF or timeout. Returns {"lines": [...],
    "closed": bool} or {"error": ...}. Needs root. (test_peers.py has its own
    copy; this one is for the other modules.)"""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: no unittest, no exceptions past this point
        out = {}
        try:
            os.close(r)
            os.setgroups(list(groups))
            os.setgid(gid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
            except OSError as e:
                out = {"error": "connect: %s" % e}
            else:
                for line in lines:
                    try:
                        s.sendall(line)
                    except OSError:
                        break
                buf, closed = b"", False
                deadline = time.monotonic() + timeout
                want = len(lines)
                while time.monotonic() < deadline and buf.count(b"\n") < want + 1:
                    rd, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
                    if not rd:
                        break
                    try:
                        chunk = s.recv(65536)
                    except ConnectionResetError:
                        chunk = b""
                    if not chunk:
                        closed = True
                        break
                    buf += chunk
                    if buf.count(b"\n") >= want:
                        # Everything answered; see whether it stays open.
                        deadline = min(deadline, time.monotonic() + 0.3)
                out = {"lines": [l.decode("utf-8", "replace") for l in buf.split(b"\n") if l],
                       "closed": closed}
        except BaseException as e:  # noqa: BLE001
            out = {"error": repr(e)}
        try:
            os.write(w, json.dumps(out).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data or b'{"error": "child said nothing"}')


def main():
    unittest.main(verbosity=2)
