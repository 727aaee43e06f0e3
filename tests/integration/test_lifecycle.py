#!/usr/bin/env python3
"""Start-up and shutdown: the socket file's safety, a second maestrod, command
line errors, SIGTERM with requests in flight, the drain timeout."""

import os
import signal
import socket
import stat
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import SLOW, Closed, MaestroTestCase, encode, request  # noqa: E402


class SocketFile(MaestroTestCase):
    def assertStartFails(self, d, *needles):
        d.start(wait=False)
        rc = d.wait_exit(15)
        self.assertGreater(rc, 0, "maestrod should exit with an error status, got %s:\n%s"
                           % (rc, d.log()))
        log = d.log()
        for n in needles:
            self.assertIn(n, log)
        return log

    def test_socket_mode_and_directory(self):
        path = os.path.join(self.tmp, "run", "maestro", "maestrod.sock")
        d = self.start_daemon(socket_path=path)
        st = os.lstat(path)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(st.st_uid, os.getuid())
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)
        with d.connect() as c:
            self.assertServes(c)
        d.stop()
        self.assertFalse(os.path.lexists(path), "the socket file is left behind after SIGTERM")

    def test_stale_socket_is_replaced(self):
        path = os.path.join(self.tmp, "maestrod.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.close()  # the file stays; nobody listens
        d = self.start_daemon(socket_path=path)
        with d.connect() as c:
            self.assertServes(c)
        self.assertIn("stale", d.log())
        self.assertEqual(stat.S_IMODE(os.lstat(path).st_mode), 0o600)

    def test_second_maestrod_on_same_socket(self):
        first = self.start_daemon()
        ino = os.lstat(first.socket_path).st_ino
        other = os.path.join(self.tmp, "second")
        os.mkdir(other, 0o700)
        second = self.new_daemon(socket_path=first.socket_path,
                                 db_path=os.path.join(other, "maestro.db"),
                                 config_path=os.path.join(other, "maestrod.conf"),
                                 name="second-maestrod")
        log = self.assertStartFails(second, "another maestrod", "pid %d" % first.pid,
                                    first.socket_path)
        self.assertNotIn("listening on", log)
        # The first one is untouched: same socket file, still serving.
        self.assertEqual(os.lstat(first.socket_path).st_ino, ino)
        with first.connect() as c:
            self.assertServes(c)
        self.assertEqual(first.status()["pid"], first.pid)
        self.assertFalse(os.path.exists(os.path.join(other, "maestro.db")),
                         "the refused maestrod created its database anyway")

    def test_regular_file_at_socket_path(self):
        path = os.path.join(self.tmp, "maestrod.sock")
        content = b"precious data, not a socket\n" * 10
        with open(path, "wb") as f:
            f.write(content)
        os.chmod(path, 0o640)
        before = os.lstat(path)
        d = self.new_daemon(socket_path=path)
        self.assertStartFails(d, path, "not a socket")
        after = os.lstat(path)
        self.assertTrue(stat.S_ISREG(after.st_mode))
        with open(path, "rb") as f:
            self.assertEqual(f.read(), content)
        self.assertEqual((after.st_ino, after.st_mode, after.st_mtime_ns),
                         (before.st_ino, before.st_mode, before.st_mtime_ns))

    def test_directory_and_symlink_at_socket_path(self):
        target = os.path.join(self.tmp, "target")
        with open(target, "w") as f:
            f.write("keep")
        for kind in ("dir", "symlink"):
            with self.subTest(kind=kind):
                path = os.path.join(self.tmp, "%s.sock" % kind)
                if kind == "dir":
                    os.mkdir(path)
                else:
                    os.symlink(target, path)
                d = self.new_daemon(socket_path=path, name="maestrod-" + kind)
                self.assertStartFails(d, path, "not a socket")
                self.assertTrue(os.path.lexists(path))
                self.assertEqual(stat.S_ISLNK(os.lstat(path).st_mode), kind == "symlink")
        with open(target) as f:
            self.assertEqual(f.read(), "keep")

    def test_socket_of_another_program(self):
        path = os.path.join(self.tmp, "maestrod.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(4)
        self.addCleanup(srv.close)
        d = self.new_daemon(socket_path=path)
        self.assertStartFails(d, path, "in use")
        # The other program's socket still works.
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        c.close()

    def test_failed_start_leaves_no_socket(self):
        # The socket is bound before the database is opened; when the database
        # is refused the socket must go away again.
        db = os.path.join(self.tmp, "not-a-db")
        with open(db, "wb") as f:
            f.write(b"\x01" * 4096)
        d = self.new_daemon(db_path=db)
        self.assertStartFails(d, db)
        self.assertFalse(os.path.lexists(d.socket_path), "a failed start left its socket file")

    def test_socket_path_too_long(self):
        path = "/" + "s" * 120 + "/maestrod.sock"
        d = self.new_daemon(socket_path=path)
        self.assertStartFails(d, "too long")

    def test_command_line(self):
        run = lambda *a: __import__("subprocess").run(  # noqa: E731
            [harness.MAESTROD] + list(a), capture_output=True, text=True, timeout=30 * SLOW,
            env=harness.clean_env())
        p = run("--version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^maestrod \S+ \(protocol 1\)\n$")
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--check-config", p.stdout)
        for args in (("--bogus",), ("--socket", "relative.sock"), ("--db", "rel.db"),
                     ("--log-level", "chatty"), ("extra-argument",)):
            with self.subTest(args=args):
                p = run(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertTrue(p.stderr.strip())
                self.assertIsNone(harness.sanitizer_report(p.stderr), p.stderr)


class Shutdown(MaestroTestCase):
    def collect(self, c, timeout=20):
        """Reads replies until maestrod closes the connection."""
        replies = []
        deadline = time.monotonic() + timeout * SLOW
        while True:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, "maestrod did not close the connection in time")
            try:
                replies.append(c.read_json(timeout=left / SLOW))
            except Closed:
                return replies

    def check_answers(self, replies, sent):
        by_id = {}
        for r in replies:
            self.assertIsNotNone(r.get("id"), "an error without id: %r" % r)
            self.assertNotIn(r["id"], by_id, "two replies to id %r" % r["id"])
            by_id[r["id"]] = r
        missing = [i for i, _ in sent if i not in by_id]
        self.assertEqual(missing, [], "%d of %d requests sent before SIGTERM got no answer"
                         % (len(missing), len(sent)))
        for i, method in sent:
            if method == "system.ping":
                self.assertPong(by_id[i], i)
        return by_id

    def sigterm_with_load(self, per_conn, n_conns, config=""):
        d = self.start_daemon(config=config)
        # Hold SQLite's write lock so that the audit writer cannot commit:
        # every system.reload is then truly in flight when SIGTERM comes.
        try:
            lock = d.sqlite_lock()
        except ImportError:
            lock = None  # without python's sqlite3 the reloads are merely fast
        conns = [d.connect(timeout=30) for _ in range(n_conns)]
        for c in conns:
            self.addCleanup(c.close)
        sent = []
        for k, c in enumerate(conns):
            reqs = []
            for i in range(per_conn):
                method = "system.reload" if i % 3 != 2 else "system.ping"
                rid = "c%d-%d" % (k, i)
                reqs.append(encode(request(method, id=rid)))
                sent.append((rid, method))
            c.send(b"".join(reqs))
        time.sleep(0.3 * SLOW)
        d.signal(signal.SIGTERM)
        if lock is not None:
            time.sleep(0.2 * SLOW)
            self.assertTrue(d.alive(), "maestrod exited with requests in flight")
            lock.execute("ROLLBACK")
            lock.close()
        replies = []
        for c in conns:
            replies += self.collect(c)
            c.close()
        by_id = self.check_answers(replies, sent)
        rc = d.wait_exit(20)
        self.assertEqual(rc, 0, d.log())
        self.assertFalse(os.path.lexists(d.socket_path), "the socket file is left behind")
        try:
            import sqlite3  # noqa: F401
        except ImportError:
            return by_id  # the audit checks need python's sqlite3
        rows = d.sqlite_rows("SELECT seq, event, peer_uid FROM audit ORDER BY seq")
        self.assertEqual(rows[-1][1], "daemon.stop", rows[-3:])
        reload_rows = {seq: uid for seq, event, uid in rows if event == "config.reload"}
        for rid, method in sent:
            r = by_id[rid]
            if method == "system.reload" and "result" in r:
                seq = r["result"]["audit_seq"]
                self.assertIn(seq, reload_rows, "reply names audit row %d, which is not there" % seq)
                self.assertEqual(reload_rows[seq], os.getuid())
        return by_id

    def test_sigterm_answers_requests_in_flight(self):
        # Within the per-connection pending limit (64 by default).
        by_id = self.sigterm_with_load(per_conn=45, n_conns=6)
        ok = sum(1 for r in by_id.values() if "result" in r)
        self.assertEqual(ok, len(by_id), [r for r in by_id.values() if "error" in r][:3])

    def test_sigterm_answers_requests_beyond_pending_limit(self):
        # A connection with more requests queued than it may have pending
        # (64 by default; 100 reloads here, stuck behind the audit writer):
        # those not yet started when SIGTERM comes were still sent before it
        # and must be answered.
        self.sigterm_with_load(per_conn=150, n_conns=2)

    def test_idle_connections_do_not_delay_shutdown(self):
        d = self.start_daemon(config="drain_timeout = 30s\n")
        idle = [d.connect() for _ in range(5)]
        with idle[0] as c:
            self.assertServes(c)
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait_exit(10), 0)
        self.assertLess(time.monotonic() - t0, 5 * SLOW, "idle clients held up the shutdown")
        for c in idle[1:]:
            c.expect_closed(timeout=2)
            c.close()

    def test_drain_timeout_closes_stuck_clients(self):
        # A client that never reads keeps its replies unsent; after
        # drain_timeout maestrod gives up on it and exits anyway.
        d = self.start_daemon(config="drain_timeout = 500ms\n")
        c = d.connect()
        blob = b"".join(encode(request("system.ping", {"data": "q" * 60000}, id=i))
                        for i in range(200))
        import threading
        t = threading.Thread(target=lambda: _send_quietly(c, blob), daemon=True)
        t.start()
        time.sleep(0.3 * SLOW)
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait_exit(15), 0, d.log())
        took = time.monotonic() - t0
        self.assertGreater(took, 0.4, "maestrod did not wait for the stuck client at all")
        self.assertLess(took, 5 * SLOW)
        self.assertIn("drain timeout", d.log())
        c.close()
        t.join(5)

    def test_sighup_during_shutdown_is_harmless(self):
        d = self.start_daemon()
        c = d.connect()
        c.send(b"".join(encode(request("system.reload", id=i)) for i in range(30)))
        d.signal(signal.SIGTERM)
        d.signal(signal.SIGHUP)
        d.signal(signal.SIGTERM)
        replies = self.collect(c)
        self.assertEqual(sorted(r["id"] for r in replies), list(range(30)))
        self.assertEqual(d.wait_exit(15), 0)

    def test_sigint_stops_like_sigterm(self):
        d = self.start_daemon()
        d.signal(signal.SIGINT)
        self.assertEqual(d.wait_exit(10), 0)
        self.assertFalse(os.path.lexists(d.socket_path))
        self.assertIn("SIGINT", d.log())


def _send_quietly(c, blob):
    try:
        c.sock.sendall(blob)
    except OSError:
        pass


if __name__ == "__main__":
    harness.main()
