#!/usr/bin/env python3
"""maestrod.conf: errors at start name file:line:column, --check-config, and
reloads (SIGHUP, maestroctl reload) that keep the running config when broken."""

import json
import os
import signal
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import SLOW, MaestroTestCase, RPC_INVALID_REQUEST  # noqa: E402

PREFIX = b'{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"data":"'
SUFFIX = b'"}}'


def ping_line(total):
    line = PREFIX + b"x" * (total - len(PREFIX) - len(SUFFIX)) + SUFFIX
    assert len(line) == total
    return line + b"\n"


# (config text, line, column, words the message must contain)
BAD_CONFIGS = [
    ("# comment\n  bogus = 1\n", 2, 3, ["unknown key", "bogus"]),
    ("max_line = 12\n", 1, 12, ["max_line"]),
    ("max_line = lots\n", 1, 12, ["max_line"]),
    ("max_line = 128M\n", 1, 12, ["max_line"]),
    ("\n\nmax_connections = 0\n", 3, 19, ["max_connections"]),
    ("max_connections_per_uid = -1\n", 1, 27, ["max_connections_per_uid"]),
    ("audit_sync = sometimes\n", 1, 14, ["audit_sync", "normal", "full"]),
    ("drain_timeout = 2h\n", 1, 17, ["drain_timeout"]),
    ("log_level = loud\n", 1, 13, ["log_level"]),
    ("allowed_uids = root, no-such-user-xyz\n", 1, 22, ["no such user", "no-such-user-xyz"]),
    ("allowed_groups = no-such-group-xyz\n", 1, 18, ["no such group"]),
    ("socket = relative/path.sock\n", 1, 10, ["absolute"]),
    ("max_line\n", 1, 1, ["key = value"]),
    ("max_line =\n", 1, 10, ["missing value"]),
    ("= 5\n", 1, 1, ["missing key"]),
    ("max_line = 4K\nmax_line = 8K\n", 2, 1, ["set twice", "line 1"]),
]

GOOD_CONFIG = """\
# every key maestrod knows, with a valid value
max_line = 512K          # trailing comment
max_connections = 100
max_connections_per_uid = 10
max_pending_per_connection = 16
audit_queue_max = 1000
audit_sync = full
drain_timeout = 1500ms
log_level = info
allowed_uids = root, 0
allowed_groups = root
socket = /tmp/ignored-overridden.sock
database = /tmp/ignored-overridden.db
"""


class CheckConfig(MaestroTestCase):
    def check(self, path):
        return subprocess.run([harness.MAESTROD, "--check-config", "--config", path],
                              capture_output=True, text=True, timeout=30 * SLOW,
                              env=harness.clean_env())

    def test_good_config(self):
        path = os.path.join(self.tmp, "good.conf")
        with open(path, "w") as f:
            f.write(GOOD_CONFIG)
        p = self.check(path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "%s: ok\n" % path)

    def test_empty_config(self):
        path = os.path.join(self.tmp, "empty.conf")
        open(path, "w").close()
        p = self.check(path)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_bad_configs(self):
        for i, (text, line, col, words) in enumerate(BAD_CONFIGS):
            with self.subTest(config=text):
                path = os.path.join(self.tmp, "bad%d.conf" % i)
                with open(path, "w") as f:
                    f.write(text)
                p = self.check(path)
                self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
                self.assertIsNone(harness.sanitizer_report(p.stderr), p.stderr)
                self.assertEqual(p.stdout, "")
                self.assertIn("%s:%d:%d: " % (path, line, col), p.stderr)
                for w in words:
                    self.assertIn(w, p.stderr)

    def test_missing_and_unreadable(self):
        missing = os.path.join(self.tmp, "absent.conf")
        p = self.check(missing)
        self.assertEqual(p.returncode, 1)
        self.assertIn(missing, p.stderr)
        p = self.check(self.tmp)  # a directory
        self.assertEqual(p.returncode, 1)
        self.assertIn(self.tmp, p.stderr)
        nul = os.path.join(self.tmp, "nul.conf")
        with open(nul, "wb") as f:
            f.write(b"max_line = 4K\x00\n")
        p = self.check(nul)
        self.assertEqual(p.returncode, 1)
        self.assertIn(nul, p.stderr)


class StartWithBadConfig(MaestroTestCase):
    def test_unknown_key_and_bad_value_at_start(self):
        for i, (text, line, col, words) in enumerate(BAD_CONFIGS[:3]):
            with self.subTest(config=text):
                d = self.new_daemon(config=text, name="maestrod-%d" % i,
                                    config_path=os.path.join(self.tmp, "c%d.conf" % i))
                d.start(wait=False)
                rc = d.wait_exit(15)
                self.assertGreater(rc, 0, d.log())
                self.assertIn("%s:%d:%d: " % (d.config_path, line, col), d.log())
                self.assertFalse(os.path.lexists(d.socket_path),
                                 "a config error left a socket behind")

    def test_missing_config_given_explicitly(self):
        d = self.new_daemon(write_config=False)
        d.start(wait=False)
        self.assertGreater(d.wait_exit(15), 0)
        self.assertIn(d.config_path, d.log())


class Reload(MaestroTestCase):
    def setUp(self):
        super().setUp()
        self.d = self.start_daemon(config="max_line = 4096\n")

    def assertLimit(self, limit, conn=None):
        """A line one byte over limit is refused; one at limit is served."""
        c = conn or self.d.connect()
        c.send(ping_line(limit))
        r = c.read_json()
        self.assertIn("result", r, "a line of exactly %d bytes was refused: %r" % (limit, r))
        if conn is None:
            c.close()
        with self.d.connect() as c2:
            c2.send(ping_line(limit + 1))
            self.assertError(c2.read_json(), RPC_INVALID_REQUEST, contains=str(limit))
            c2.expect_closed()

    def break_config(self):
        # Line 3, column 1: an unknown key after two good lines.
        self.d.write_config("max_line = 8192\n# looks fine so far\nmax_lime = 9000\n")
        return "%s:3:1" % self.d.config_path

    def test_sighup_with_broken_config_keeps_old(self):
        self.assertLimit(4096)
        where = self.break_config()
        mark = self.d.log_size()
        self.d.signal(signal.SIGHUP)
        log = self.d.wait_log("reload failed", start=mark)
        self.assertIn(where, log[mark:])
        self.assertTrue(self.d.alive())
        self.assertLimit(4096)  # not 8192 from the broken file
        self.assertEqual(self.d.status()["health"], "ok")

    def test_ctl_reload_with_broken_config_keeps_old(self):
        where = self.break_config()
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertEqual(p.stdout, "")
        self.assertIn(where, p.stderr)
        self.assertIn("max_lime", p.stderr)
        self.assertLimit(4096)
        # --json: the error object on stderr, with the code and where in data.
        p = self.d.ctl("reload", json_out=True)
        self.assertEqual(p.returncode, 1)
        err = json.loads(p.stderr)
        self.assertEqual(err["code"], harness.E_INVALID_CONFIG)
        self.assertIn(where, err["message"])
        self.check_error_data(err["data"])
        # Raw: the same over the protocol.
        with self.d.connect() as c:
            r = c.call("system.reload", id="r")
            e = self.assertError(r, harness.E_INVALID_CONFIG, id="r", contains=where)
            self.check_error_data(e["data"])

    def check_error_data(self, data):
        self.assertEqual((data["file"], data["line"], data["column"]),
                         (self.d.config_path, 3, 1), data)
        self.assertIn("max_lime", data["message"])
        self.assertIsInstance(data["audit_seq"], int)  # the failed reload is audited too

    def test_good_reload_changes_max_line(self):
        existing = self.d.connect()
        self.assertLimit(4096, existing)
        self.d.write_config("max_line = 8192\n")
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertLimit(8192)            # new connections
        self.assertLimit(8192, existing)  # and one opened before the reload
        # And back down by SIGHUP.
        self.d.write_config("max_line = 5000\n")
        mark = self.d.log_size()
        self.d.signal(signal.SIGHUP)
        self.d.wait_log("configuration reloaded", start=mark)
        self.assertLimit(5000)

    def test_reload_after_fixing_the_file(self):
        self.break_config()
        self.assertEqual(self.d.ctl("reload").returncode, 1)
        self.d.write_config("max_line = 8192\n")
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertLimit(8192)

    def test_config_file_removed(self):
        # --config names the file explicitly, so its disappearance is an error
        # on reload too, and the running config stays.
        os.unlink(self.d.config_path)
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(self.d.config_path, p.stderr)
        self.assertLimit(4096)


if __name__ == "__main__":
    harness.main()
