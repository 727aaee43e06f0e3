#!/usr/bin/env python3
"""systemd integration: the units verify cleanly, socket activation, sd_notify
(READY, RELOADING, STOPPING, STATUS) and the watchdog."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import SLOW, MaestroTestCase  # noqa: E402


class Units(MaestroTestCase):
    def setUp(self):
        super().setUp()
        self.analyze = shutil.which("systemd-analyze")
        if self.analyze is None:
            self.skipTest("systemd-analyze is not installed")
        if not harness.MAESTRO_UNITS or not os.path.isdir(harness.MAESTRO_UNITS):
            self.skipTest("MAESTRO_UNITS does not name the built units directory")
        self.units = os.path.join(self.tmp, "units")
        os.mkdir(self.units)
        for name in ("maestrod.service", "maestrod.socket"):
            with open(os.path.join(harness.MAESTRO_UNITS, name)) as f:
                text = f.read()
            if name.endswith(".service"):
                text, n = re.subn(r"(?m)^ExecStart=\S+", "ExecStart=" + harness.MAESTROD, text)
                self.assertEqual(n, 1, "maestrod.service should have one ExecStart=")
            with open(os.path.join(self.units, name), "w") as f:
                f.write(text)
        self.files = [os.path.join(self.units, n) for n in ("maestrod.service", "maestrod.socket")]

    def verify(self, *scope, env=None):
        p = subprocess.run([self.analyze] + list(scope) + ["verify", "--man=no"] + self.files,
                           capture_output=True, text=True, timeout=60, env=harness.clean_env(env),
                           cwd=self.units)
        # systemd-analyze exits 0 on many problems and only prints them.
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""),
                         "systemd-analyze %s verify complained" % " ".join(scope))

    def test_verify_system(self):
        self.verify()

    def test_verify_user(self):
        rt = os.path.join(self.tmp, "runtime")
        os.mkdir(rt, 0o700)
        self.verify("--user", env={"XDG_RUNTIME_DIR": rt})

    def test_units_match_what_maestrod_does(self):
        def keys(name):
            out = {}
            with open(os.path.join(self.units, name)) as f:
                for line in f:
                    if "=" in line and not line.lstrip().startswith(("#", ";")):
                        k, _, v = line.strip().partition("=")
                        out.setdefault(k, []).append(v)
            return out
        svc, sock = keys("maestrod.service"), keys("maestrod.socket")
        self.assertEqual(svc["Type"], ["notify"])  # maestrod sends READY=1
        self.assertIn("WatchdogSec", svc)          # and WATCHDOG=1
        self.assertIn("HUP", svc["ExecReload"][0])  # SIGHUP reloads
        self.assertEqual(sock["SocketMode"], ["0600"])
        self.assertEqual(len(sock["ListenStream"]), 1)


class NotifySocket:
    """A bound AF_UNIX datagram socket playing systemd's notification socket."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []

    def close(self):
        self.sock.close()

    def wait_for(self, predicate, timeout=10, what="a message"):
        """Waits for a datagram for which predicate(fields) holds; returns its fields."""
        deadline = time.monotonic() + timeout * SLOW
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no sd_notify datagram with %s within %.1fs; got %r"
                                     % (what, timeout * SLOW, self.messages))
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            fields = parse_notify(data)
            self.messages.append(fields)
            if predicate(fields):
                return fields

    def drain(self, seconds):
        """Every datagram that arrives within seconds."""
        got = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return got
            self.sock.settimeout(left)
            try:
                got.append(parse_notify(self.sock.recv(65536)))
            except socket.timeout:
                return got


def parse_notify(data):
    fields = {}
    for line in data.decode().split("\n"):
        if line:
            k, _, v = line.partition("=")
            fields[k] = v
    return fields


class Notify(MaestroTestCase):
    def notify_daemon(self, env=None, **kw):
        ns = NotifySocket(os.path.join(self.tmp, "notify.sock"))
        self.addCleanup(ns.close)
        e = {"NOTIFY_SOCKET": ns.path}
        e.update(env or {})
        d = self.new_daemon(env=e, **kw)
        d.start(wait=False)
        return d, ns

    def test_ready_reloading_stopping(self):
        d, ns = self.notify_daemon()
        ready = ns.wait_for(lambda f: "READY" in f, what="READY=1")
        self.assertEqual(ready["READY"], "1")
        self.assertIn(d.socket_path, ready.get("STATUS", ""), ready)
        self.assertEqual(ready.get("MAINPID"), str(d.pid))
        # READY means ready: a connection made right now is served at once.
        with d.connect() as c:
            self.assertServes(c, "right-after-ready")

        d.signal(signal.SIGHUP)
        reloading = ns.wait_for(lambda f: "RELOADING" in f or "READY" in f, what="RELOADING=1")
        self.assertEqual(reloading.get("RELOADING"), "1", "READY came before RELOADING")
        again = ns.wait_for(lambda f: "READY" in f, what="READY=1 after reloading")
        self.assertIn("STATUS", again)

        # maestroctl reload notifies the same way; a broken file says so in STATUS.
        d.write_config("max_line = tiny\n")
        self.assertEqual(d.ctl("reload").returncode, 1)
        ns.wait_for(lambda f: "RELOADING" in f, what="RELOADING=1 (maestroctl)")
        failed = ns.wait_for(lambda f: "READY" in f, what="READY=1 after a failed reload")
        self.assertIn("%s:1:12" % d.config_path, failed.get("STATUS", ""))

        d.signal(signal.SIGTERM)
        stopping = ns.wait_for(lambda f: "STOPPING" in f, what="STOPPING=1")
        self.assertEqual(stopping["STOPPING"], "1")
        self.assertEqual(d.wait_exit(15), 0)

    def test_watchdog(self):
        # WATCHDOG_PID is left unset: sd_watchdog_enabled() accepts that.
        d, ns = self.notify_daemon(env={"WATCHDOG_USEC": "200000"})
        ns.wait_for(lambda f: "READY" in f, what="READY=1")
        t0 = time.monotonic()
        ns.wait_for(lambda f: f.get("WATCHDOG") == "1", timeout=1, what="WATCHDOG=1")
        self.assertLess(time.monotonic() - t0, 1.0 * SLOW)
        got = [f for f in ns.drain(1.0) if f.get("WATCHDOG") == "1"]
        # Half the interval: about 10 in a second; allow for a loaded machine.
        self.assertGreaterEqual(len(got), 4, got)
        self.assertLessEqual(len(got), 15, got)

    def stalled_watchdog_pings(self, n_reloads):
        """WATCHDOG=1 count over 1.5 s while n_reloads wait behind a stuck audit writer."""
        harness.sqlite3_or_skip(self)
        d, ns = self.notify_daemon(env={"WATCHDOG_USEC": "200000"})
        ns.wait_for(lambda f: "READY" in f, what="READY=1")
        lock = d.sqlite_lock()
        try:
            c = d.connect(timeout=15)
            for i in range(n_reloads):
                c.send_json(harness.request("system.reload", id=i))
                time.sleep(0.05)
            ns.drain(0.5)  # let the 200 ms interval pass
            pings = [f for f in ns.drain(1.5) if f.get("WATCHDOG") == "1"]
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        replies = sorted(c.read_json()["id"] for _ in range(n_reloads))
        self.assertEqual(replies, list(range(n_reloads)))
        # Once the writer moves again, so does the watchdog.
        ns.wait_for(lambda f: f.get("WATCHDOG") == "1", timeout=2, what="WATCHDOG=1 again")
        return d, pings

    def test_watchdog_withheld_while_audit_queue_stalls(self):
        d, pings = self.stalled_watchdog_pings(3)
        self.assertEqual(pings, [], "watchdog pinged while audit rows waited for 0.5 s and more")
        self.assertIn("withholding the watchdog", d.log())

    def test_watchdog_withheld_while_a_single_commit_stalls(self):
        # One reload whose commit hangs, nothing queued behind it: the writer
        # is just as stuck and its caller waits; the watchdog must stop too.
        d, pings = self.stalled_watchdog_pings(1)
        self.assertEqual(pings, [], "watchdog kept pinging while the only audit commit hung "
                         "(%d pings in 1.5 s)" % len(pings))

    def test_no_watchdog_without_watchdog_usec(self):
        d, ns = self.notify_daemon()
        ns.wait_for(lambda f: "READY" in f, what="READY=1")
        self.assertEqual([f for f in ns.drain(0.6) if "WATCHDOG" in f], [])

    def test_watchdog_for_another_pid(self):
        # WATCHDOG_PID naming someone else: not our watchdog, no pings.
        d, ns = self.notify_daemon(env={"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
        ns.wait_for(lambda f: "READY" in f, what="READY=1")
        self.assertEqual([f for f in ns.drain(0.6) if "WATCHDOG" in f], [])


class SocketActivation(MaestroTestCase):
    def setUp(self):
        super().setUp()
        self.activate = shutil.which("systemd-socket-activate")
        if self.activate is None:
            self.skipTest("systemd-socket-activate is not installed")

    def test_activated(self):
        path = os.path.join(self.tmp, "activated.sock")
        # systemd-socket-activate binds path, waits for the first connection,
        # then execs maestrod in its own process with LISTEN_FDS=1.
        d = self.start_daemon(socket_path=path, wrapper=[self.activate, "-l", path])
        with d.connect() as c:
            self.assertServes(c)
            st = c.call("system.status")["result"]
        self.assertIs(st["socket"]["activated"], True)
        self.assertEqual(st["socket"]["path"], path)
        self.assertEqual(st["pid"], d.pid)
        self.assertEqual(st["health"], "ok")
        p = d.ctl("status")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("(from systemd)", p.stdout)
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        d.stop()
        # The socket belongs to whoever passed it; maestrod leaves it alone.
        self.assertTrue(os.path.lexists(path), "maestrod removed a socket it did not create")

    def test_activated_connections_queued_before_exec(self):
        path = os.path.join(self.tmp, "activated.sock")
        d = self.new_daemon(socket_path=path, wrapper=[self.activate, "-l", path])
        d.start(wait=False)
        deadline = time.monotonic() + 10 * SLOW
        while not os.path.exists(path):
            self.assertLess(time.monotonic(), deadline, "systemd-socket-activate did not bind")
            time.sleep(0.01)
        # Several clients connect and send before maestrod even runs.
        conns = []
        for i in range(5):
            c = d.connect()
            c.send_json(harness.request("system.ping", {"data": str(i)}, id=i))
            conns.append(c)
        for i, c in enumerate(conns):
            self.assertPong(c.read_json(), i, str(i))


if __name__ == "__main__":
    harness.main()
