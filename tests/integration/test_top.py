#!/usr/bin/env python3
"""maestroctl top: the live view, its --once frame and its terminal handling.

A maestrod answers a few evaluations of one agent (allows and denies);
top --once, and top with its output in a pipe, print one plain frame with
the verdict totals and the agent's row; an ask shows as a pending approval
with its id and summary, the newest few listed and the rest counted, the
summary cut to the terminal's width; top under a pseudo-terminal draws
on the alternate screen, redraws to a new size on SIGWINCH, quits on q or
SIGTERM and gives the terminal back as it found it; a maestrod that goes
away is shown and retried; --once without a maestrod exits 5.
"""

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, SLOW  # noqa: E402

N_ALLOW = 3  # "ls"
N_DENY = 2   # "rm -rf /"
PUSH = "git push --force"  # ask: it waits for a person

ENTER_ALT = b"\x1b[?1049h"
LEAVE_ALT = b"\x1b[?1049l"
ESCAPE_RE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class TopCase(MaestroTestCase):
    """A maestrod, an executor agent exec-1 and its decisions."""

    def setUp(self):
        super().setUp()
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(self.ws)
        self.d = self.start_daemon()
        r = self.d.call("agent.register", {"id": "exec-1", "role": "executor"})
        self.assertIn("result", r, r)
        c = self.d.connect()
        self.token = r["result"]["token"]
        r = c.call("session.hello", {"agent": "exec-1", "token": self.token})
        self.assertIn("result", r, r)
        for cmd, n, want in (("ls", N_ALLOW, "allow"), ("rm -rf /", N_DENY, "deny")):
            for _ in range(n):
                r = c.call("governance.evaluate", {"action": {
                    "kind": "shell", "command": cmd, "cwd": self.ws, "workspace": self.ws}})
                self.assertIn("result", r, r)
                self.assertEqual(r["result"]["decision"], want, r)
        self.wait_decisions(N_ALLOW + N_DENY)

    def ask(self, command=PUSH):
        """exec-1 asks for command in its workspace; returns the pending approval."""
        with self.d.connect() as c:
            r = c.call("session.hello", {"agent": "exec-1", "token": self.token})
            self.assertIn("result", r, r)
            r = c.call("governance.evaluate", {"action": {
                "kind": "shell", "command": command, "cwd": self.ws, "workspace": self.ws}})
        self.assertEqual(r["result"]["decision"], "ask", r)
        id = r["result"]["ask"]["approval_id"]
        (a,) = [a for a in self.d.call("approval.list")["result"]["approvals"] if a["id"] == id]
        return a

    def wait_decisions(self, n, timeout=10):
        """Waits until system.metrics counts n decisions: maestrod counts a decision
        once its audit row is committed, which may come just after the reply."""
        deadline = time.monotonic() + timeout * SLOW
        while True:
            fam = self.d.call("system.metrics")["result"]["maestro_decisions_total"]
            got = sum(s["value"] for s in fam["samples"])
            if got >= n:
                return
            if time.monotonic() >= deadline:
                raise AssertionError("maestrod counted %d decisions, not %d" % (got, n))
            time.sleep(0.01)

    # -- a pseudo-terminal ----------------------------------------------------

    def spawn(self, *args, rows=40, cols=120):
        """maestroctl top on a new pseudo-terminal; returns (process, master fd, slave fd).
        self.modes holds the terminal's modes from before top started."""
        master, slave = os.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        self.resize(slave, rows, cols)
        self.modes = termios.tcgetattr(slave)
        p = subprocess.Popen([harness.MAESTROCTL, "--socket", self.d.socket_path, "top"]
                             + list(args), stdin=slave, stdout=slave, stderr=slave,
                             env=harness.clean_env(), start_new_session=True)
        harness._live.add(p)

        def reap():
            if p.poll() is None:
                p.kill()
                p.wait()
            harness._live.discard(p)

        self.addCleanup(reap)
        return p, master, slave

    @staticmethod
    def resize(fd, rows, cols):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def read_until(self, master, pred, buf=b"", timeout=15):
        """Reads the terminal until pred(bytes read) holds; returns them."""
        deadline = time.monotonic() + timeout * SLOW
        while not pred(buf):
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail("the terminal did not show what was expected within %.0fs:\n%r"
                          % (timeout * SLOW, buf[-3000:]))
            r, _, _ = select.select([master], [], [], left)
            if r:
                try:
                    buf += os.read(master, 65536)
                except OSError:
                    break
        return buf

    def drain(self, master, buf):
        """Whatever else the terminal holds, without waiting long."""
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
        return buf

    def wait_exit(self, p, timeout=5):
        try:
            return p.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.fail("maestroctl top did not exit within %.0fs" % (timeout * SLOW))

    def check_clean(self, out):
        marker = harness.sanitizer_report(out.decode("utf-8", "replace"))
        if marker:
            self.fail("maestroctl top reported %r:\n%s" % (marker, out.decode("utf-8", "replace")))

    @staticmethod
    def last_frame(out):
        """The lines of the last frame drawn, escapes removed."""
        start = out.rfind(b"\x1b[H")
        text = ESCAPE_RE.sub(b"", out[start:])
        # The terminal's ONLCR turns top's "\r\n" into "\r\r\n".
        return [l.rstrip("\r") for l in text.decode("utf-8", "replace").split("\n")]


def agent_row(text, agent):
    """The columns of agent's row in a frame: id, dec/s, total, deny%, trust, tokens."""
    for line in text.splitlines():
        cols = line.split()
        if cols and cols[0] == agent:
            return cols
    raise AssertionError("no row for %s in:\n%s" % (agent, text))


class Once(TopCase):

    def test_once_totals(self):
        p = self.d.ctl("top", "--once", "--interval", "0.2")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        self.assertNotIn("\x1b", out)
        self.assertRegex(out, r"(?m)^maestrod \S+, pid %d, up \S+, health ok$" % self.d.pid)
        # Two samples one interval apart: rates are there, over about 0.2 s.
        m = re.search(r"(?m)^rates per second over the last ([0-9.]+) s$", out)
        self.assertTrue(m, out)
        self.assertGreater(float(m.group(1)), 0.1)
        self.assertRegex(out, r"(?m)^ +allow +ask +deny +total$")
        self.assertRegex(out, r"(?m)^decisions +%d +0 +%d +%d$"
                         % (N_ALLOW, N_DENY, N_ALLOW + N_DENY))
        # Nothing was decided during the interval.
        self.assertRegex(out, r"(?m)^decisions/s +0 +0 +0 +0$")
        self.assertRegex(out, r"(?m)^evaluate, since start +\d\S* [um]?s +.* %d$"
                         % (N_ALLOW + N_DENY))
        self.assertRegex(out, r"(?m)^evaluate, last interval +- +- +- +0$")
        self.assertRegex(out, r"(?m)^pipeline errors +0 \(0/s\), timeouts 0 \(0/s\)$")
        self.assertRegex(out, r"(?m)^audit rows +0 queued, \d+ committed")
        self.assertRegex(out, r"(?m)^connections +\d+ open, \d+ total, 0 refused$")
        # No ask, so no approval waits.
        self.assertRegex(out, r"(?m)^pending approvals +0$")
        row = agent_row(out, "exec-1")
        self.assertEqual(len(row), 6, row)
        self.assertEqual(row[1], "0")
        self.assertEqual(row[2], str(N_ALLOW + N_DENY))
        self.assertEqual(row[3], "%.1f%%" % (100.0 * N_DENY / (N_ALLOW + N_DENY)))
        self.assertTrue(0 <= float(row[4]) <= 1, row)
        self.assertEqual(row[5], "0")

    def test_once_pending_approval(self):
        a = self.ask()
        p = self.d.ctl("top", "--once", "--interval", "0.2")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        self.assertRegex(out, r"(?m)^decisions +%d +1 +%d +%d$"
                         % (N_ALLOW, N_DENY, N_ALLOW + N_DENY + 1))
        self.assertRegex(out, r"(?m)^pending approvals +1, newest first$")
        # The approval a person decides with: id, age, agent, risk, summary.
        self.assertIn(PUSH, a["summary"])
        self.assertRegex(out, r"(?m)^  %s +\d+[smhd] +exec-1 +%s +%s$"
                         % (re.escape(a["id"]), re.escape(a["risk_level"]),
                            re.escape(a["summary"])))

    def test_once_newest_approvals(self):
        # More than top lists: the newest first, the rest counted.
        ids = [self.ask("%s origin b%d" % (PUSH, i))["id"] for i in range(7)]
        p = self.d.ctl("top", "--once", "--interval", "0.2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"(?m)^pending approvals +7, newest first$")
        shown = re.findall(r"(?m)^  (apr_[0-9a-f]{16}) ", p.stdout)
        self.assertEqual(shown, ids[::-1][:5], p.stdout)
        self.assertRegex(p.stdout, r"(?m)^  \.\.\. and 2 more: maestroctl approvals$")

    def test_pipe_is_once(self):
        # Without --once, a stdout that is not a terminal gets the same single frame.
        t0 = time.monotonic()
        p = self.d.ctl("top", "--interval", "0.2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertLess(time.monotonic() - t0, 10 * SLOW)
        self.assertNotIn("\x1b", p.stdout)
        self.assertEqual(agent_row(p.stdout, "exec-1")[2], str(N_ALLOW + N_DENY))

    def test_rates_during_load(self):
        # Decisions made while top samples show up as a rate above 0.
        proc = subprocess.Popen([harness.MAESTROCTL, "--socket", self.d.socket_path, "top",
                                 "--once", "--interval", "1"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=harness.clean_env())
        harness._live.add(proc)
        r = self.d.call("agent.register", {"id": "busy-1", "role": "executor"})
        n = 0
        with self.d.connect() as c:
            c.call("session.hello", {"agent": "busy-1", "token": r["result"]["token"]})
            # Until top has taken both samples: some decisions fall between them.
            deadline = time.monotonic() + 30 * SLOW
            while proc.poll() is None and time.monotonic() < deadline:
                r = c.call("governance.evaluate", {"action": {
                    "kind": "shell", "command": "ls", "cwd": self.ws, "workspace": self.ws}})
                self.assertEqual(r["result"]["decision"], "allow", r)
                n += 1
        out, err = proc.communicate(timeout=30 * SLOW)
        harness._live.discard(proc)
        self.assertEqual(proc.returncode, 0, err)
        row = agent_row(out, "busy-1")
        self.assertGreater(float(row[1]), 0, out)
        self.assertTrue(0 < int(row[2]) <= n, (n, out))
        # The busiest agent comes first.
        table = out.split("\nAGENT")[1].splitlines()
        self.assertEqual(table[1].split()[0], "busy-1", out)

    def test_usage(self):
        for args in (("--interval", "0"), ("--interval", "x"), ("--bogus",), ("extra",)):
            p = self.d.ctl("top", "--once", *args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
        p = self.d.ctl("--agent", "exec-1", "top", "--once")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("administrative", p.stderr)


class NoDaemon(MaestroTestCase):

    def test_once_unreachable(self):
        p = self.ctl("--socket", os.path.join(self.tmp, "none.sock"), "top", "--once")
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn("cannot reach maestrod", p.stderr)
        self.assertEqual(p.stdout, "")


class Terminal(TopCase):

    def test_frame_then_q(self):
        p, master, slave = self.spawn("--interval", "0.2")
        # The second frame has rates; both have the agent's row.
        out = self.read_until(master, lambda b: b"rates per second over the last" in b
                              and b"exec-1" in b[b.rfind(b"\x1b[H"):])
        self.assertIn(ENTER_ALT, out)
        self.assertIn(b"\x1b[?25l", out)  # cursor hidden
        frame = self.last_frame(out)
        self.assertTrue(frame[0].startswith("maestrod "), frame)
        self.assertIn("q quits", "\n".join(frame))
        self.assertEqual(agent_row("\n".join(frame), "exec-1")[2], str(N_ALLOW + N_DENY))
        # Raw-ish while it runs: no echo, no line buffering.
        during = termios.tcgetattr(slave)
        self.assertFalse(during[3] & termios.ECHO)
        self.assertFalse(during[3] & termios.ICANON)
        t0 = time.monotonic()
        os.write(master, b"q")
        self.assertEqual(self.wait_exit(p), 0)
        self.assertLess(time.monotonic() - t0, 2 * SLOW, "q must quit at once")
        out = self.drain(master, out)
        self.check_clean(out)
        # The alternate screen left, the cursor shown, the modes as they were.
        self.assertIn(LEAVE_ALT, out[out.rfind(ENTER_ALT):])
        self.assertIn(b"\x1b[?25h", out[out.rfind(ENTER_ALT):])
        self.assertEqual(termios.tcgetattr(slave), self.modes)

    def test_resize(self):
        p, master, slave = self.spawn("--interval", "0.2", rows=40, cols=120)
        out = self.read_until(master, lambda b: b"exec-1" in b)
        self.resize(slave, 12, 40)
        p.send_signal(signal.SIGWINCH)
        mark = len(out)

        def narrow_frame(b):
            tail = b[mark:]
            return tail.count(b"\x1b[H") >= 2

        out = self.read_until(master, narrow_frame, out)
        frame = self.last_frame(out)
        lines = [l for l in frame if l]
        self.assertTrue(lines, frame)
        for l in lines:
            self.assertLessEqual(len(l), 40, frame)
        self.assertLessEqual(len(frame), 12 + 1, frame)
        os.write(master, b"q")
        self.assertEqual(self.wait_exit(p), 0)
        self.check_clean(self.drain(master, out))

    def test_approval_cut_to_width(self):
        a = self.ask("%s origin %s" % (PUSH, "x" * 150))
        p, master, slave = self.spawn("--interval", "0.2", rows=40, cols=100)
        out = self.read_until(master, lambda b: a["id"].encode() in b[b.rfind(b"\x1b[H"):])
        frame = self.last_frame(out)
        (row,) = [l for l in frame if a["id"] in l]
        # The summary ends in "..." at the terminal's edge, not past it.
        self.assertEqual(len(row), 100, frame)
        self.assertTrue(row.endswith("..."), row)
        self.assertIn(" exec-1 ", row)
        self.assertIn(PUSH, row)
        os.write(master, b"q")
        self.assertEqual(self.wait_exit(p), 0)
        self.check_clean(self.drain(master, out))

    def test_sigterm_restores(self):
        p, master, slave = self.spawn("--interval", "0.2")
        out = self.read_until(master, lambda b: b"exec-1" in b)
        self.assertFalse(termios.tcgetattr(slave)[3] & termios.ECHO)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(self.wait_exit(p), 0)
        out = self.drain(master, out)
        self.check_clean(out)
        self.assertIn(LEAVE_ALT, out[out.rfind(ENTER_ALT):])
        self.assertEqual(termios.tcgetattr(slave), self.modes)

    def test_daemon_goes_away(self):
        p, master, slave = self.spawn("--interval", "0.2")
        out = self.read_until(master, lambda b: b"exec-1" in b)
        self.d.stop()
        out = self.read_until(master, lambda b: b"maestrod unreachable, retrying" in b, out)
        self.assertIsNone(p.poll(), "top must keep trying")
        # And back: the same socket, a new maestrod, the view comes back.
        mark = len(out)
        self.new_daemon(socket_path=self.d.socket_path, db_path=self.d.db_path,
                        config_path=self.d.config_path, write_config=False,
                        name="maestrod-again").start()
        out = self.read_until(master, lambda b: b"exec-1" in b[mark:], out)
        os.write(master, b"q")
        self.assertEqual(self.wait_exit(p), 0)
        self.check_clean(self.drain(master, out))


if __name__ == "__main__":
    harness.main()
