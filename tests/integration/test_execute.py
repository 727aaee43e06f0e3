#!/usr/bin/env python3
"""governance.execute: maestrod runs the allowed command itself, confined.

Through the socket, against a real maestrod: TCP denied without
network_access and allowed with it; no writes without write_files, writes
only inside the workspace with it; a secret in maestrod's home unreadable
without read_secrets; secret-looking environment variables scrubbed; a
timeout that kills the command's grandchildren; output truncated at
exec_max_output; a fork bomb held by exec_procs while the daemon answers;
50 executions at once; a departed client's command killed; a denied or
asked command never started; streamed output; the audit rows of each
execution; maestroctl exec's exit codes.

The tests run as root, so maestrod runs each command as nobody (exec_user):
the directories the commands use are made reachable for it.
"""

import json
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, SLOW  # noqa: E402

CONNECT = """import os, socket
try:
    socket.create_connection(("127.0.0.1", int(os.environ["PORT"])), timeout=5).close()
    print("connected")
except OSError as e:
    print("refused", e.errno)
    raise SystemExit(1)
"""

WRITE = """import os, sys
try:
    with open(os.environ["TARGET"], "w") as f:
        f.write("x")
    print("wrote")
except OSError as e:
    print("failed", e.errno)
    raise SystemExit(1)
"""

READ = """import os
try:
    print(open(os.environ["TARGET"]).read().strip())
except OSError as e:
    print("failed", e.errno)
    raise SystemExit(1)
"""


def landlock_abi():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    r = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(r, 0)


def nobody_processes():
    import pwd
    uid = pwd.getpwnam("nobody").pw_uid
    n = 0
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.stat("/proc/" + pid).st_uid == uid:
                n += 1
        except OSError:
            pass
    return n


class ExecCase(MaestroTestCase):
    # exec_procs holds the fork bomb, with room for the 100 processes of 50 commands at once:
    # RLIMIT_NPROC counts every process of nobody, the killed ones until init reaps them.
    config = "exec_max_output = 64K\nexec_procs = 200\nmax_pending_per_connection = 64\n"

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("these tests run commands as nobody, which needs root")
        self.abi = landlock_abi()
        os.chmod(self.tmp, 0o755)
        self.ws = os.path.join(self.tmp, "ws")
        self.outside = os.path.join(self.tmp, "outside")
        self.home = os.path.join(self.tmp, "home")
        for d in (self.ws, self.outside):
            os.makedirs(d)
            os.chmod(d, 0o777)
        # maestrod's own home, whose secrets the confinement protects (readable
        # by nobody as far as file modes go: only Landlock stands in the way).
        os.makedirs(os.path.join(self.home, ".ssh"))
        os.chmod(self.home, 0o755)
        os.chmod(os.path.join(self.home, ".ssh"), 0o755)
        self.secret = os.path.join(self.home, ".ssh", "id_rsa")
        with open(self.secret, "w") as f:
            f.write("not really a key\n")
        os.chmod(self.secret, 0o644)
        for name, text in (("conn.py", CONNECT), ("write.py", WRITE), ("read.py", READ)):
            with open(os.path.join(self.ws, name), "w") as f:
                f.write(text)
        self.d = self.start_daemon(config=self.config, env={
            "HOME": self.home,
            "SERVICE_API_TOKEN": "tok-123",
            "AWS_SECRET_ACCESS_KEY": "aws-123",
            "OPENAI_API_KEY": "sk-123",
        })
        self.d.wait_audit_committed(1)
        self.token = self.register("exec-1", "executor")

    # -- helpers ------------------------------------------------------------

    def ok(self, reply):
        self.assertNotIn("error", reply, reply)
        return reply["result"]

    def register(self, id, role, permissions=None):
        p = {"id": id, "role": role}
        if permissions:
            p["permissions"] = permissions
        return self.ok(self.d.call("agent.register", p))["token"]

    def grant(self, perm, agent="exec-1"):
        self.ok(self.d.call("agent.grant", {"id": agent, "permissions": [perm]}))

    def revoke(self, perm, agent="exec-1"):
        self.ok(self.d.call("agent.revoke", {"id": agent, "permissions": [perm]}))

    def session(self, agent="exec-1", token=None):
        c = self.d.connect(timeout=30)
        self.ok(c.call("session.hello", {"agent": agent, "token": token or self.token}))
        return c

    def execute(self, argv, conn=None, **params):
        p = {"argv": argv, "cwd": self.ws, "workspace": self.ws}
        p.update(params)
        return self.ok((conn or self.session()).call("governance.execute", p))

    def ran(self, res):
        self.assertEqual(res["decision"]["decision"], "allow", res)
        self.assertTrue(res["executed"], res)
        return res

    def script(self, name, **env):
        return ["python3", os.path.join(self.ws, name)], {k: str(v) for k, v in env.items()}

    # -- confinement ---------------------------------------------------------

    def test_network_needs_network_access(self):
        if self.abi < 4:
            self.skipTest("Landlock ABI %d cannot restrict TCP" % self.abi)
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen(16)
        self.addCleanup(lst.close)
        argv, env = self.script("conn.py", PORT=lst.getsockname()[1])
        # The executor role holds network_access: the connection goes through.
        res = self.ran(self.execute(argv, env=env))
        self.assertEqual(res["exit_code"], 0, res)
        self.assertEqual(res["stdout"].strip(), "connected", res)
        self.assertEqual(res["confinement"]["network"], "allowed")
        # Without it, Landlock refuses the connect (EACCES).
        self.revoke("network_access")
        res = self.ran(self.execute(argv, env=env))
        self.assertEqual(res["exit_code"], 1, res)
        self.assertIn("refused", res["stdout"], res)
        self.assertEqual(res["confinement"]["network"], "denied")
        self.assertEqual(res["confinement"]["landlock"], "enforced")
        self.grant("network_access")
        res = self.ran(self.execute(argv, env=env))
        self.assertEqual(res["exit_code"], 0, res)

    def test_writes_need_write_files_and_stay_in_the_workspace(self):
        inside = os.path.join(self.ws, "made-inside")
        outside = os.path.join(self.outside, "made-outside")
        argv, _ = self.script("write.py")
        res = self.ran(self.execute(argv, env={"TARGET": inside}))
        self.assertEqual(res["exit_code"], 0, res)
        self.assertTrue(os.path.exists(inside))
        self.assertIn(self.ws, res["confinement"]["filesystem"]["writable"])
        res = self.ran(self.execute(argv, env={"TARGET": outside}))
        self.assertEqual(res["exit_code"], 1, res)
        self.assertFalse(os.path.exists(outside))
        # The private temporary directory is writable, and gone afterwards.
        res = self.ran(self.execute(["sh", "-c", 'echo x > "$TMPDIR/t" && cat "$TMPDIR/t" && echo "$TMPDIR"']))
        self.assertEqual(res["exit_code"], 0, res)
        tmpdir = res["stdout"].split()[1]
        self.assertFalse(os.path.exists(tmpdir), tmpdir)
        os.unlink(inside)
        self.revoke("write_files")
        res = self.ran(self.execute(argv, env={"TARGET": inside}))
        self.assertEqual(res["exit_code"], 1, res)
        self.assertFalse(os.path.exists(inside))
        self.assertEqual(res["confinement"]["filesystem"]["writable"], [])

    def test_secrets_unreadable_without_read_secrets(self):
        argv, _ = self.script("read.py")
        res = self.ran(self.execute(argv, env={"TARGET": self.secret}))
        self.assertEqual(res["exit_code"], 1, res)
        self.assertNotIn("not really a key", res["stdout"])
        self.assertIn(os.path.join(self.home, ".ssh"), res["confinement"]["filesystem"]["unreadable"])
        # maestro's own files are out of reach too.
        res = self.ran(self.execute(argv, env={"TARGET": self.d.config_path}))
        self.assertEqual(res["exit_code"], 1, res)
        # Everything else in that home, and the system, reads as usual.
        res = self.ran(self.execute(["cat", "/etc/hostname", os.path.join(self.ws, "read.py")]))
        self.assertEqual(res["exit_code"], 0, res)
        self.grant("read_secrets")
        res = self.ran(self.execute(argv, env={"TARGET": self.secret}))
        self.assertEqual(res["exit_code"], 0, res)
        self.assertIn("not really a key", res["stdout"])

    def test_environment_is_scrubbed(self):
        res = self.ran(self.execute(["env"], env={"MY_DB_PASSWORD": "pw-123", "PLAIN_SETTING": "yes",
                                                  "GITHUB_TOKEN": "ghp-123"}))
        out = res["stdout"]
        for gone in ("SERVICE_API_TOKEN", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY", "MY_DB_PASSWORD",
                     "GITHUB_TOKEN", "tok-123", "aws-123", "sk-123", "pw-123", "ghp-123"):
            self.assertNotIn(gone, out)
        self.assertIn("PLAIN_SETTING=yes", out)
        scrubbed = res["confinement"]["env_scrubbed"]
        for name in ("SERVICE_API_TOKEN", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY", "MY_DB_PASSWORD",
                     "GITHUB_TOKEN"):
            self.assertIn(name, scrubbed)

    # -- lifetime -------------------------------------------------------------

    def test_timeout_kills_grandchildren(self):
        marker = os.path.join(self.ws, "late-marker")
        start = time.monotonic()
        res = self.ran(self.execute(["sh", "-c", "(sleep 3; echo late > late-marker) & sleep 100"],
                                    timeout_s=1))
        self.assertTrue(res["timed_out"], res)
        self.assertEqual(res["signal"], 9, res)
        self.assertLess(time.monotonic() - start, 10 * SLOW)
        time.sleep(3.5)
        self.assertFalse(os.path.exists(marker))

    def test_output_truncated(self):
        res = self.ran(self.execute(["sh", "-c", "head -c 200000 /dev/zero | tr '\\0' a; echo done >&2"]))
        self.assertEqual(res["exit_code"], 0, res)
        self.assertEqual(len(res["stdout"]), 64 * 1024)
        self.assertTrue(res["stdout_truncated"])
        self.assertFalse(res["stderr_truncated"])
        self.assertEqual(res["stderr"], "done\n")

    def test_fork_bomb_is_contained(self):
        result = {}

        def bomb():
            c = self.session()
            result["r"] = self.execute(
                ["sh", "-c", "i=0; while [ $i -lt 10000 ]; do sleep 5 & i=$((i+1)); done; wait"],
                conn=c, timeout_s=30)

        t = threading.Thread(target=bomb)
        t.start()
        # maestrod keeps answering meanwhile.
        while t.is_alive():
            start = time.monotonic()
            self.ok(self.d.call("system.ping"))
            self.assertLess(time.monotonic() - start, 2 * SLOW)
            time.sleep(0.1)
        t.join()
        res = self.ran(result["r"])
        self.assertFalse(res["timed_out"], res)
        self.assertNotEqual(res["exit_code"], 0, res)
        self.assertEqual(res["confinement"]["limits"]["procs"], 200)
        self.assertIn("fork", res["stderr"].lower(), res)
        # The killed sleepers are reaped by init, not maestrod; RLIMIT_NPROC counts them until
        # then, for every command run as nobody, so the next test waits for them to go.
        deadline = time.monotonic() + 30 * SLOW
        while nobody_processes() > 0 and time.monotonic() < deadline:
            time.sleep(0.1)

    def test_fifty_at_once(self):
        conns = [self.session() for _ in range(5)]
        for i in range(50):
            conns[i % 5].send_json(harness.request("governance.execute", {
                "argv": ["sh", "-c", "sleep 0.2; exit %d" % i], "cwd": self.ws, "workspace": self.ws,
            }, id=i))
        seen = {}
        for c in conns:
            for _ in range(10):
                r = c.read_json(timeout=60)
                seen[r["id"]] = self.ran(self.ok(r))
        self.assertEqual(sorted(seen), list(range(50)))
        for i, res in seen.items():
            self.assertEqual(res["exit_code"], i, res)

    def test_disconnect_kills_the_command(self):
        marker = os.path.join(self.ws, "disconnect-marker")
        c = self.session()
        c.send_json(harness.request("governance.execute", {
            "argv": ["sh", "-c", "sleep 2; echo x > disconnect-marker"], "cwd": self.ws,
            "workspace": self.ws}))
        # Started: its evaluate row is committed before the command runs.
        deadline = time.monotonic() + 10 * SLOW
        while not self.d.sqlite_rows("SELECT 1 FROM audit WHERE event = 'governance.evaluate'"):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        time.sleep(0.3)
        c.close()
        time.sleep(3)
        self.assertFalse(os.path.exists(marker))
        self.ok(self.d.call("system.ping"))
        # Its execution was still recorded, as killed.
        deadline = time.monotonic() + 10 * SLOW
        while True:
            rows = self.d.sqlite_rows("SELECT detail FROM audit WHERE event = 'governance.execute'")
            if rows or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(rows), 1)
        self.assertEqual(json.loads(rows[0][0])["killed"], "the client disconnected")

    # -- decisions ------------------------------------------------------------

    def test_denied_command_never_starts(self):
        marker = os.path.join(self.ws, "denied-marker")
        res = self.execute(["sh", "-c", "echo x > denied-marker; shutdown -h now"])
        self.assertEqual(res["decision"]["decision"], "deny", res)
        self.assertFalse(res["executed"])
        self.assertNotIn("exit_code", res)
        time.sleep(0.5)
        self.assertFalse(os.path.exists(marker))
        rows = self.d.sqlite_rows("SELECT event FROM audit WHERE correlation_id = '%s'"
                                  % res["decision"]["correlation_id"])
        self.assertEqual([r[0] for r in rows], ["governance.evaluate"])

    def test_ask_then_approved(self):
        marker = os.path.join(self.ws, "asked-marker")
        argv = ["sh", "-c", "echo x > asked-marker; git push origin main || true"]
        res = self.execute(argv)
        self.assertEqual(res["decision"]["decision"], "ask", res)
        self.assertFalse(res["executed"])
        self.assertFalse(os.path.exists(marker))
        aid = res["decision"]["ask"]["approval_id"]
        self.ok(self.d.call("approval.decide", {"id": aid, "decision": "approve"}))
        res = self.execute(argv)
        self.ran(res)
        self.assertTrue(os.path.exists(marker))

    def test_audit_rows_and_stream(self):
        c = self.session()
        c.send_json(harness.request("governance.execute", {
            "argv": ["sh", "-c", "echo one; echo two >&2; echo three"], "cwd": self.ws,
            "workspace": self.ws, "stream": True, "correlation_id": "exec-corr-1"}, id=7))
        chunks = {"stdout": "", "stderr": ""}
        while True:
            m = c.read_json(timeout=30)
            if m.get("method") == "execute.output":
                self.assertEqual(m["params"]["correlation_id"], "exec-corr-1")
                chunks[m["params"]["stream"]] += m["params"]["data"]
                continue
            res = self.ran(self.ok(m))
            break
        self.assertEqual(chunks, {"stdout": "one\nthree\n", "stderr": "two\n"})
        self.assertEqual(res["stdout"], "one\nthree\n")
        rows = self.d.sqlite_rows("SELECT seq, event, detail FROM audit WHERE correlation_id = "
                                  "'exec-corr-1' ORDER BY seq")
        self.assertEqual([r[1] for r in rows], ["governance.evaluate", "governance.execute"])
        self.assertEqual(rows[1][0], res["audit_seq"])
        self.assertEqual(rows[0][0], res["decision"]["audit_seq"])
        detail = json.loads(rows[1][2])
        self.assertEqual(detail["exit_code"], 0)
        self.assertEqual(detail["argv"], ["sh", "-c", "echo one; echo two >&2; echo three"])
        self.assertIn("confinement", detail)
        # The evaluation is reported on by the execution: a second report is refused.
        r = c.call("governance.report", {"correlation_id": "exec-corr-1", "outcome": "success"})
        self.assertIn("error", r, r)

    def test_secrets_in_output_are_redacted(self):
        key = "AKIA" + "QWERTYUIOPASDFGH"
        # In a file, not in the command: armor would ask about a command holding a key.
        with open(os.path.join(self.ws, "notes.txt"), "w") as f:
            f.write("aws_access_key_id=%s\n" % key)
        res = self.ran(self.execute(["cat", "notes.txt"]))
        self.assertNotIn(key, res["stdout"])
        self.assertGreaterEqual(res["secrets_redacted"], 1, res)
        rows = self.d.sqlite_rows("SELECT detail FROM audit WHERE event = 'governance.execute'")
        self.assertNotIn(key, rows[-1][0])

    # -- maestroctl exec ----------------------------------------------------------

    def ctl_exec(self, *args):
        tokfile = os.path.join(self.tmp, "token")
        with open(tokfile, "w") as f:
            f.write(self.token)
        return self.d.ctl("--agent", "exec-1", "--token-file", tokfile, "exec", "--cwd", self.ws,
                          "--workspace", self.ws, *args)

    def test_maestroctl_exec(self):
        p = self.ctl_exec("--", "sh", "-c", "echo out; echo err >&2; exit 7")
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertEqual(p.stdout, "out\n")
        self.assertIn("err\n", p.stderr)
        p = self.ctl_exec("--timeout", "1", "--", "sleep", "30")
        self.assertEqual(p.returncode, 128 + 9, p.stderr)
        p = self.ctl_exec("--", "shutdown", "-h", "now")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("deny", p.stderr + p.stdout)
        p = self.ctl_exec("--", "git", "push")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("maestroctl approve", p.stderr + p.stdout)

    def test_shutdown_kills_running_commands(self):
        marker = os.path.join(self.ws, "shutdown-marker")
        c = self.session()
        c.send_json(harness.request("governance.execute", {
            "argv": ["sh", "-c", "sleep 3; echo x > shutdown-marker"], "cwd": self.ws,
            "workspace": self.ws}, id=1))
        deadline = time.monotonic() + 10 * SLOW
        while not self.d.sqlite_rows("SELECT 1 FROM audit WHERE event = 'governance.evaluate'"):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        time.sleep(0.3)
        self.d.stop()
        r = c.read_json(timeout=10)
        self.assertEqual(self.ok(r)["killed"], "maestrod is shutting down", r)
        time.sleep(3.5)
        self.assertFalse(os.path.exists(marker))


if __name__ == "__main__":
    import unittest
    unittest.main()
