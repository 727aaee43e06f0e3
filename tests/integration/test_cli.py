#!/usr/bin/env python3
"""maestroctl against a real maestrod: status, ping, reload, exit codes, messages."""

import json
import os
import re
import socket
import sys
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, SCHEMA_VERSION  # noqa: E402


class CliAgainstDaemon(MaestroTestCase):
    def setUp(self):
        super().setUp()
        self.d = self.start_daemon()
        self.version = harness.maestrod_version()

    def test_status_human(self):
        p = self.d.ctl("status")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        out = p.stdout
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^maestrod %s \(protocol 1\), pid %d, up [0-9.]+s$"
                         % (re.escape(self.version), self.d.pid))
        fields = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        self.assertEqual(fields.get("health"), "ok", out)
        self.assertEqual(fields.get("socket"), self.d.socket_path, out)
        self.assertEqual(fields.get("database"), "%s (schema %d)" % (self.d.db_path, SCHEMA_VERSION), out)
        self.assertEqual(fields.get("config"), self.d.config_path, out)
        self.assertRegex(fields.get("connections", ""), r"^\d+ open, \d+ total, 0 refused$", out)
        self.assertRegex(fields.get("requests", ""), r"^\d+ total, 0 failed$", out)
        self.assertRegex(fields.get("audit", ""),
                         r"^\d+ rows committed in \d+ batches, \d+ queued, last seq \d+$", out)
        self.assertNotIn("?", out, "a status field came out unknown")

    def test_status_json(self):
        p = self.d.ctl("status", json_out=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().splitlines()), 1, "--json prints one line")
        st = json.loads(p.stdout)
        self.assertEqual(st["version"], self.version)
        self.assertEqual(st["protocol_version"], 1)
        self.assertEqual(st["pid"], self.d.pid)
        self.assertEqual(st["health"], "ok")
        self.assertIs(st["draining"], False)
        self.assertEqual(st["socket"]["path"], self.d.socket_path)
        self.assertIs(st["socket"]["activated"], False)
        self.assertEqual(st["database"]["path"], self.d.db_path)
        self.assertEqual(st["database"]["schema_version"], SCHEMA_VERSION)
        cfg = st["config"]
        self.assertEqual(cfg["path"] if isinstance(cfg, dict) else cfg, self.d.config_path)
        self.assertGreaterEqual(st["connections"]["current"], 1)  # maestroctl itself
        self.assertGreaterEqual(st["connections"]["total"], st["connections"]["current"])
        self.assertEqual(st["connections"]["refused"], 0)
        self.assertGreaterEqual(st["requests"]["total"], 1)
        self.assertEqual(st["requests"]["failed"], 0)
        audit = st["audit"]
        for k in ("queued", "in_flight", "committed", "failed", "batches", "last_seq"):
            self.assertIsInstance(audit[k], int, k)
        # daemon.start is queued or committed by now.
        self.assertGreaterEqual(audit["queued"] + audit["committed"], 1)
        self.assertEqual(audit["failed"], 0)
        self.assertGreaterEqual(st["uptime_s"], 0)

    def test_status_counts_requests_and_connections(self):
        before = json.loads(self.d.ctl("status", json_out=True).stdout)
        with self.d.connect() as c:
            self.assertPong(c.call("system.ping", id=1), 1)
            c.send(b"{not json}\n")
            self.assertError(c.read_json(), harness.RPC_PARSE_ERROR)
        after = json.loads(self.d.ctl("status", json_out=True).stdout)
        # ping + bad line + this status call
        self.assertEqual(after["requests"]["total"] - before["requests"]["total"], 3)
        self.assertEqual(after["requests"]["failed"] - before["requests"]["failed"], 1)
        self.assertEqual(after["connections"]["total"] - before["connections"]["total"], 2)

    def test_ping(self):
        p = self.d.ctl("ping")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"^pong from %s in [0-9.]+ ms\n$" % re.escape(self.d.socket_path))
        p = self.d.ctl("ping", json_out=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"pong": True})

    def test_socket_from_environment(self):
        p = self.ctl("ping", env={"MAESTRO_SOCKET": self.d.socket_path})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(self.d.socket_path, p.stdout)

    def test_reload(self):
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "configuration reloaded from %s\n" % self.d.config_path)
        p = self.d.ctl("reload", json_out=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.assertIs(r["reloaded"], True)
        self.assertEqual(r["config"], self.d.config_path)
        self.assertEqual(r["restart_required"], [])
        self.assertIsInstance(r["audit_seq"], int)
        self.assertGreater(r["audit_seq"], 1)  # daemon.start came first
        self.d.wait_log("configuration reloaded")

    def test_reload_restart_required(self):
        self.d.write_config("audit_sync = full\n")
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "configuration reloaded from %s\n"
                         "these changes take effect after a restart: audit_sync\n"
                         % self.d.config_path)

    def test_reload_workers_needs_restart(self):
        # The pool is started once: a new size is reported, not pretended.
        self.d.write_config("workers = 2\n")
        r = json.loads(self.d.ctl("reload", json_out=True).stdout)
        self.assertEqual(r["restart_required"], ["workers"])

    def test_reload_otlp_endpoint_needs_restart(self):
        self.d.write_config("otlp_endpoint = http://127.0.0.1:9\n")
        r = json.loads(self.d.ctl("reload", json_out=True).stdout)
        self.assertEqual(r["restart_required"], ["otlp_endpoint"])

    def test_reload_restart_required_until_restarted(self):
        # The store keeps running with audit_sync = normal until a restart,
        # so every reload of a file that says full must still say so.
        self.d.write_config("audit_sync = full\n")
        first = json.loads(self.d.ctl("reload", json_out=True).stdout)
        self.assertEqual(first["restart_required"], ["audit_sync"])
        p = self.d.ctl("reload", json_out=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["restart_required"], ["audit_sync"],
                         "a second reload forgot that audit_sync still needs a restart")

    def test_usage_errors(self):
        cases = [
            (),
            ("--bogus", "ping"),
            ("frobnicate",),
            ("ping", "extra"),
            ("status", "--json"),  # options after the command belong to the command
            ("--timeout", "soon", "ping"),
            ("--timeout", "-1", "ping"),
        ]
        for args in cases:
            with self.subTest(args=args):
                p = self.d.ctl(*args)
                self.assertEqual(p.returncode, 2, (p.stdout, p.stderr))
                self.assertEqual(p.stdout, "")
                self.assertNotEqual(p.stderr.strip(), "")

    def test_help_and_version(self):
        p = self.ctl("--help")
        self.assertEqual(p.returncode, 0)
        for cmd in ("status", "ping", "reload"):
            self.assertRegex(p.stdout, r"(?m)^\s+%s\s" % cmd)
        p = self.ctl("--version")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout, "maestroctl %s (protocol 1)\n" % self.version)


class CliWithoutDaemon(MaestroTestCase):
    def check_unreachable(self, path):
        p = self.ctl("ping", socket_path=path)
        self.assertEqual(p.returncode, 5, (p.stdout, p.stderr))
        self.assertEqual(p.stdout, "")
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn(path, lines[0])
        # ... and says how to start it.
        self.assertIn("start it", lines[0])
        self.assertIn("maestrod", lines[0].split("start it", 1)[1])
        return lines[0]

    def test_no_socket(self):
        line = self.check_unreachable(os.path.join(self.tmp, "absent.sock"))
        self.assertIn("No such file", line)

    def test_stale_socket(self):
        path = os.path.join(self.tmp, "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.close()
        line = self.check_unreachable(path)
        self.assertIn("refused", line)

    def test_status_and_reload_unreachable(self):
        path = os.path.join(self.tmp, "absent.sock")
        for cmd in ("status", "reload"):
            p = self.ctl(cmd, socket_path=path)
            self.assertEqual(p.returncode, 5, p.stderr)
            self.assertIn(path, p.stderr)

    def _fake_server(self, behaviour):
        """A listener that accepts one client and then behaves badly."""
        path = os.path.join(self.tmp, "fake.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        done = threading.Event()

        def serve():
            c, _ = srv.accept()
            c.recv(4096)
            behaviour(c)
            done.wait(10)
            c.close()
            srv.close()

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        self.addCleanup(t.join, 10)
        self.addCleanup(done.set)
        return path

    def test_timeout_exit_6(self):
        path = self._fake_server(lambda c: None)
        p = self.ctl("--timeout", "0.3", "ping", socket_path=path)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("no reply", p.stderr)

    def test_bad_reply_exit_6(self):
        path = self._fake_server(lambda c: c.sendall(b"this is not json\n"))
        p = self.ctl("ping", socket_path=path)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("bad reply", p.stderr)

    def test_server_closes_exit_5(self):
        path = self._fake_server(lambda c: c.shutdown(socket.SHUT_RDWR))
        p = self.ctl("ping", socket_path=path)
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn("closed the connection", p.stderr)


if __name__ == "__main__":
    harness.main()
