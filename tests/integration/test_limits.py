#!/usr/bin/env python3
"""Limits and load: the line limit, back-pressure, pending calls, many connections,
connect/disconnect churn with a stable descriptor count, clients that vanish."""

import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import (SLOW, MaestroTestCase, E_OVERLOADED, RPC_INVALID_REQUEST,  # noqa: E402
                     encode, request)

PREFIX = b'{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"data":"'
SUFFIX = b'"}}'


def ping_line(total):
    """A ping request of exactly total bytes (the '\\n' not counted)."""
    pad = total - len(PREFIX) - len(SUFFIX)
    assert pad >= 0
    line = PREFIX + b"x" * pad + SUFFIX
    assert len(line) == total
    return line, "x" * pad


class Sender(threading.Thread):
    """Sends bytes in the background; maestrod may close before all of them are taken."""

    def __init__(self, conn, data):
        super().__init__(daemon=True)
        self.conn, self.data, self.error = conn, data, None
        self.start()

    def run(self):
        try:
            self.conn.sock.sendall(self.data)
        except (BrokenPipeError, ConnectionResetError) as e:
            self.error = e


class LineLimit(MaestroTestCase):
    def too_long(self, d, data, limit):
        """Sends data; expects the limit error and then the connection closed."""
        with d.connect() as c:
            sender = Sender(c, data)
            err = self.assertError(c.read_json(timeout=20), RPC_INVALID_REQUEST, id=None,
                                   contains=["exceeds", str(limit)])
            c.expect_closed()
            sender.join(10 * SLOW)
            return err

    def test_default_limit_exact_and_one_over(self):
        d = self.start_daemon()
        limit = harness.DEFAULT_MAX_LINE
        line, data = ping_line(limit)
        with d.connect(timeout=30) as c:
            c.send(line + b"\n")
            self.assertPong(c.read_json(), 1, data)
            # With a '\r' before the '\n' the line is still within the limit.
            c.send(line + b"\r\n")
            self.assertPong(c.read_json(), 1, data)
            self.assertServes(c, "after-limit")
        over, _ = ping_line(limit + 1)
        self.too_long(d, over + b"\n", limit)
        with d.connect() as c:
            self.assertServes(c, "new-after-over")

    def test_over_limit_without_newline_is_refused_early(self):
        # maestrod must not wait for a '\n' that may never come.
        d = self.start_daemon()
        limit = harness.DEFAULT_MAX_LINE
        self.too_long(d, b"x" * (limit + 1), limit)
        with d.connect() as c:
            self.assertServes(c)

    def test_huge_line_is_refused_without_buffering_it(self):
        d = self.start_daemon()
        limit = harness.DEFAULT_MAX_LINE
        with d.connect() as c:
            # 16 MiB in the background; the error arrives long before the end.
            sender = Sender(c, b"y" * (16 * limit))
            self.assertError(c.read_json(timeout=20), RPC_INVALID_REQUEST,
                             contains=str(limit))
            c.expect_closed()
            sender.join(10 * SLOW)
            self.assertIsNotNone(sender.error, "maestrod read all 16 MiB of an over-long line")

    def test_configured_limit(self):
        d = self.start_daemon(config="max_line = 4K\n")
        ok, data = ping_line(4096)
        over, _ = ping_line(4097)
        with d.connect() as c:
            c.send(ok + b"\n")
            self.assertPong(c.read_json(), 1, data)
            c.send(ok + b"\r\n")
            self.assertPong(c.read_json(), 1, data)
        self.too_long(d, over + b"\n", 4096)
        self.too_long(d, over + b"\r\n", 4096)
        # Good requests before the long one on the same write are all answered.
        with d.connect() as c:
            c.send(b"".join(encode(request("system.ping", id=i)) for i in range(5)) + over + b"\n")
            for i in range(5):
                self.assertPong(c.read_json(), i)
            self.assertError(c.read_json(), RPC_INVALID_REQUEST, contains="4096")
            c.expect_closed()


class Load(MaestroTestCase):
    def settle(self, d, baseline_fds, timeout=3):
        """Waits (a while) for the descriptor count to come back to baseline; returns it."""
        deadline = time.monotonic() + timeout * SLOW
        n = d.fd_count()
        while n > baseline_fds and time.monotonic() < deadline:
            time.sleep(0.05)
            n = d.fd_count()
        return n

    def baseline(self, d):
        # Warm up: a reload (the audit writer's files are open), a few connections.
        with d.connect() as c:
            self.assertNotIn("error", c.call("system.reload"))
        for _ in range(20):
            with d.connect() as c:
                self.assertServes(c)
        time.sleep(0.1)
        return d.fd_count()

    def test_concurrent_connections(self):
        d = self.start_daemon()
        n = 200
        conns = [d.connect() for _ in range(n)]
        try:
            for i, c in enumerate(conns):
                c.send_json(request("system.ping", {"data": "c%d" % i}, id=i))
            for i, c in enumerate(conns):
                self.assertPong(c.read_json(), i, "c%d" % i)
            st = d.status()
            self.assertGreaterEqual(st["connections"]["current"], n + 1)
            # Every one of them still works after all the others.
            for i, c in enumerate(conns):
                self.assertPong(c.call("system.ping", id=1000 + i), 1000 + i)
        finally:
            for c in conns:
                c.close()

    def test_concurrent_clients_in_threads(self):
        d = self.start_daemon()
        errors = []

        def client(k):
            try:
                with d.connect() as c:
                    blob = b"".join(encode(request("system.ping", {"data": "%d-%d" % (k, i)}, id=i))
                                    for i in range(50))
                    c.send(blob)
                    for i in range(50):
                        r = c.read_json()
                        if r.get("result") != {"pong": True, "data": "%d-%d" % (k, i)}:
                            errors.append(r)
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60 * SLOW)
        self.assertEqual(errors, [])

    def test_connect_disconnect_churn_keeps_fds_stable(self):
        d = self.start_daemon()
        before = self.baseline(d)
        cycles = 10000
        t0 = time.monotonic()
        for i in range(cycles):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(d.socket_path)
            if i % 10 == 0:
                # A full request and its reply.
                s.sendall(encode(request("system.ping", id=i)))
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = s.recv(4096)
                    self.assertTrue(chunk, "connection %d closed before its reply" % i)
                    buf += chunk
                self.assertIn(b'"pong":true', buf)
            elif i % 10 == 1:
                # A request, then gone before the reply.
                s.sendall(encode(request("system.status", id=i)))
            elif i % 10 == 2:
                # Half a request, then gone.
                s.sendall(b'{"jsonrpc":"2.0","id":')
            s.close()
        elapsed = time.monotonic() - t0
        after = self.settle(d, before)
        self.assertLessEqual(abs(after - before), 2,
                             "descriptors before %d, after %d cycles %d" % (before, cycles, after))
        st = d.status()
        self.assertEqual(st["connections"]["current"], 1)  # this status call
        self.assertGreaterEqual(st["connections"]["total"], cycles)
        sys.stderr.write("[%d connect/disconnect cycles in %.1fs; fds %d -> %d] "
                         % (cycles, elapsed, before, after))

    def test_disconnect_with_requests_in_flight(self):
        d = self.start_daemon()
        before = self.baseline(d)
        for round in range(5):
            # system.reload waits for an audit commit; 100 of them exceed the
            # 64 calls a connection may have pending.
            c = d.connect()
            c.send(b"".join(encode(request("system.reload", id=i)) for i in range(100)))
            c.close()
            # Another client is served meanwhile.
            with d.connect() as other:
                self.assertServes(other, "round%d" % round)
        # A connection that reads a few replies and then vanishes.
        c = d.connect()
        c.send(b"".join(encode(request("system.reload", id=i)) for i in range(100)))
        for i in range(3):
            self.assertEqual(c.read_json()["id"], i)
        c.close()
        after = self.settle(d, before)
        self.assertLessEqual(abs(after - before), 2, "descriptors %d -> %d" % (before, after))
        st = d.status()
        self.assertEqual(st["health"], "ok")
        self.assertEqual(st["connections"]["current"], 1)
        self.assertEqual(st["audit"]["failed"], 0)
        with d.connect() as c:
            r = c.call("system.reload")
            self.assertIs(r["result"]["reloaded"], True)

    def test_pipelined_reloads_beyond_pending_limit(self):
        # More requests than max_pending_per_connection in one write: maestrod
        # holds back reading and resumes as calls finish; every one is answered.
        # Pings answer at once and reloads after their audit commit, so replies
        # may overtake each other; reloads commit in the order they were sent.
        d = self.start_daemon(config="max_pending_per_connection = 8\n")
        n = 300
        with d.connect(timeout=60) as c:
            c.send(b"".join(encode(request("system.reload" if i % 2 else "system.ping", id=i))
                            for i in range(n)))
            replies = {}
            for _ in range(n):
                r = c.read_json()
                self.assertNotIn("error", r, r)
                self.assertNotIn(r["id"], replies, "two replies for id %r" % r["id"])
                replies[r["id"]] = r["result"]
            self.assertEqual(sorted(replies), list(range(n)))
            seqs = [replies[i]["audit_seq"] for i in range(1, n, 2)]
            self.assertEqual(seqs, sorted(seqs))
            self.assertEqual(len(set(seqs)), len(seqs))
            st = d.status()
            self.assertGreaterEqual(st["audit"]["committed"], n // 2 + 1)

    def test_slow_reader_is_held_back_not_buffered(self):
        # A client that writes requests but does not read replies: maestrod
        # stops reading from it instead of buffering without bound, keeps
        # serving others, and delivers every reply once the client reads.
        d = self.start_daemon()
        n, size = 1000, 60000  # 60 MB of replies
        blob = b"".join(encode(request("system.ping", {"data": "%06d" % i + "z" * size}, id=i))
                        for i in range(n))
        rss_before = _rss_kb(d.pid)
        with d.connect(timeout=60) as slow:
            sender = Sender(slow, blob)
            time.sleep(0.5 * SLOW)
            with d.connect() as other:
                t0 = time.monotonic()
                self.assertServes(other, "while-slow")
                self.assertLess(time.monotonic() - t0, 2 * SLOW)
            self.assertTrue(sender.is_alive(), "maestrod took all 60 MB without being read")
            growth_kb = _rss_kb(d.pid) - rss_before
            if not harness.SANITIZED:  # ASan's quarantine makes RSS meaningless
                self.assertLess(growth_kb, 32 * 1024,
                                "maestrod grew by %d KiB for a client not reading" % growth_kb)
            for i in range(n):
                r = slow.read_json()
                self.assertEqual(r["id"], i)
                self.assertEqual(r["result"]["data"][:6], "%06d" % i)
            sender.join(30 * SLOW)
            self.assertIsNone(sender.error)

    def test_audit_queue_full_is_overloaded(self):
        # With the writer stuck (a test holds SQLite's write lock), reloads
        # beyond audit_queue_max are refused at once with -32004; those
        # accepted are answered once the writer moves again.
        harness.sqlite3_or_skip(self)
        d = self.start_daemon(config="audit_queue_max = 2\nmax_line = 4096\n")
        lock = d.sqlite_lock()
        try:
            with d.connect() as c:
                # The writer takes the first and blocks; two more fill the queue.
                c.send_json(request("system.reload", id=0))
                time.sleep(0.2 * SLOW)
                c.send(b"".join(encode(request("system.reload", id=i)) for i in (1, 2, 3, 4)))
                r3 = c.read_json()
                r4 = c.read_json()
                self.assertEqual({r3["id"], r4["id"]}, {3, 4})
                for r in (r3, r4):
                    self.assertError(r, E_OVERLOADED, id=r["id"], contains="audit queue")
                lock.execute("ROLLBACK")
                got = sorted(c.read_json()["id"] for _ in range(3))
                self.assertEqual(got, [0, 1, 2])
        finally:
            if lock.in_transaction:
                lock.execute("ROLLBACK")
            lock.close()

    def test_connections_per_uid_limit(self):
        d = self.start_daemon(config="max_connections_per_uid = 3\n")
        # The readiness probe may still count for a moment.
        time.sleep(0.1)
        conns = [d.connect() for _ in range(3)]
        try:
            for i, c in enumerate(conns):
                self.assertPong(c.call("system.ping", id=i), i)
            with d.connect() as extra:
                self.assertError(extra.read_json(), E_OVERLOADED, id=None,
                                 contains=["too many connections", "3"])
                extra.expect_closed()
            conns.pop().close()
            time.sleep(0.1)
            with d.connect() as c:
                self.assertServes(c, "after-one-left")
        finally:
            for c in conns:
                c.close()
        d.wait_log("refused a connection from uid %d" % os.getuid())

    def test_max_connections_limit(self):
        d = self.start_daemon(config="max_connections = 2\n")
        time.sleep(0.1)
        a, b = d.connect(), d.connect()
        try:
            self.assertPong(a.call("system.ping", id=1), 1)
            self.assertPong(b.call("system.ping", id=2), 2)
            with d.connect() as extra:
                self.assertError(extra.read_json(), E_OVERLOADED, id=None, contains="limit 2")
                extra.expect_closed()
        finally:
            a.close()
            b.close()
        time.sleep(0.1)
        st = d.status()
        self.assertGreaterEqual(st["connections"]["refused"], 1)


def _rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    harness.main()
