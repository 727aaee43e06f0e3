#!/usr/bin/env python3
"""The SQLite store: what maestrod creates, the audit trail it keeps, and the
files it refuses to touch."""

import hashlib
import json
import os
import random
import signal
import stat
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, SCHEMA_VERSION  # noqa: E402

APPLICATION_ID = 0x4D535452  # "MSTR"


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def sidecars(path):
    return [p for p in (path + "-wal", path + "-shm", path + "-journal") if os.path.exists(p)]


class NewDatabase(MaestroTestCase):
    def test_created_with_wal_schema_and_application_id(self):
        sqlite3 = harness.sqlite3_or_skip(self)
        db_path = os.path.join(self.tmp, "state", "maestro.db")  # parent made by maestrod
        d = self.start_daemon(db_path=db_path)
        self.assertEqual(stat.S_IMODE(os.stat(db_path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(db_path)).st_mode), 0o700)
        st = d.status()
        self.assertEqual(st["database"]["schema_version"], SCHEMA_VERSION)
        d.stop()
        db = sqlite3.connect(db_path)
        try:
            self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "wal")
            self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], SCHEMA_VERSION)
            self.assertEqual(db.execute("PRAGMA application_id").fetchone()[0], APPLICATION_ID)
            cols = [r[1] for r in db.execute("PRAGMA table_info(audit)")]
            for c in ("seq", "time_us", "event", "actor", "peer_uid", "peer_pid",
                      "correlation_id", "detail"):
                self.assertIn(c, cols)
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        finally:
            db.close()

    def test_empty_file_becomes_a_database(self):
        sqlite3 = harness.sqlite3_or_skip(self)
        db_path = os.path.join(self.tmp, "maestro.db")
        open(db_path, "wb").close()
        d = self.start_daemon(db_path=db_path)
        d.stop()
        db = sqlite3.connect(db_path)
        self.assertEqual(db.execute("PRAGMA application_id").fetchone()[0], APPLICATION_ID)
        db.close()


class AuditTrail(MaestroTestCase):
    def test_start_reload_stop_rows(self):
        harness.sqlite3_or_skip(self)
        t0 = int(time.time() * 1e6)
        d = self.start_daemon()
        # A reload through maestroctl: a peer, recorded with its uid.
        p = d.ctl("reload", json_out=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        ctl_seq = json.loads(p.stdout)["audit_seq"]
        # A reload by SIGHUP: no peer.
        mark = d.log_size()
        d.signal(signal.SIGHUP)
        d.wait_log("configuration reloaded", start=mark)
        # A failed reload is recorded too.
        d.write_config("nonsense\n")
        p = d.ctl("reload", json_out=True)
        self.assertEqual(p.returncode, 1)
        bad_seq = json.loads(p.stderr)["data"]["audit_seq"]
        d.write_config("")
        with d.connect() as c:
            self.assertServes(c)
        d.stop()
        t1 = int(time.time() * 1e6)

        rows = d.sqlite_rows("SELECT seq, time_us, event, actor, peer_uid, peer_pid, detail "
                             "FROM audit ORDER BY seq")
        events = [r[2] for r in rows]
        self.assertEqual(events, ["daemon.start", "config.reload", "config.reload",
                                  "config.reload", "daemon.stop"], rows)
        seqs = [r[0] for r in rows]
        self.assertEqual(seqs, sorted(set(seqs)))
        for r in rows:
            self.assertTrue(t0 <= r[1] <= t1, "time_us %d outside the run" % r[1])
            json.loads(r[6])  # detail is JSON text
        by_seq = {r[0]: r for r in rows}

        start = rows[0]
        self.assertEqual(start[3], "maestrod")
        detail = json.loads(start[6])
        self.assertEqual(detail["pid"], d.pid)
        self.assertEqual(detail["socket"], d.socket_path)

        ctl_row = by_seq[ctl_seq]
        self.assertEqual(ctl_row[2], "config.reload")
        self.assertEqual(ctl_row[4], os.getuid(), "config.reload from maestroctl lacks peer_uid")
        self.assertIsNotNone(ctl_row[5])
        self.assertEqual(ctl_row[3], "uid:%d" % os.getuid())
        self.assertIs(json.loads(ctl_row[6])["ok"], True)

        hup_row = rows[2]
        self.assertIsNone(hup_row[4])
        self.assertIn("SIGHUP", hup_row[3])

        bad_row = by_seq[bad_seq]
        detail = json.loads(bad_row[6])
        self.assertIs(detail["ok"], False)
        self.assertIn("%s:1:1" % d.config_path, detail["error"])

        stop = rows[-1]
        self.assertEqual(stop[3], "maestrod")
        self.assertEqual(json.loads(stop[6])["pid"], d.pid)

    def test_restart_keeps_the_trail(self):
        harness.sqlite3_or_skip(self)
        d1 = self.start_daemon(name="first")
        d1.stop()
        d2 = self.start_daemon(name="second")
        self.assertEqual(d2.status()["database"]["schema_version"], SCHEMA_VERSION)
        d2.stop()
        rows = d2.sqlite_rows("SELECT event, detail FROM audit ORDER BY seq")
        self.assertEqual([r[0] for r in rows],
                         ["daemon.start", "daemon.stop", "daemon.start", "daemon.stop"])
        self.assertEqual(json.loads(rows[0][1])["pid"], d1.pid)
        self.assertEqual(json.loads(rows[2][1])["pid"], d2.pid)


class WalCheckpoint(MaestroTestCase):
    def test_wal_is_copied_into_the_database(self):
        # Commits go to the WAL; a checkpoint copies them into the database
        # file, off the writer's path. After a burst of 3,000 decisions the
        # database file alone (read without its WAL) holds most of them,
        # while maestrod still runs, and the WAL has not grown without bound.
        import shutil
        import sqlite3
        d = self.start_daemon()
        d.wait_audit_committed(1)
        r = d.call("agent.register", {"id": "wal-1", "role": "executor"})
        token = r["result"]["token"]
        conns = []
        for _ in range(4):
            c = d.connect()
            self.assertIn("result", c.call("session.hello", {"agent": "wal-1", "token": token}))
            conns.append(c)
        n = 750
        for c in conns:
            for k in range(n):
                c.send_json({"jsonrpc": "2.0", "id": k, "method": "governance.evaluate",
                             "params": {"action": {"kind": "shell", "command": "ls -l %d" % k,
                                                   "cwd": self.tmp, "workspace": self.tmp}}})
        for c in conns:
            for k in range(n):
                self.assertIn("result", c.read_json(timeout=60))
        d.wait_nothing_in_flight()
        copy = os.path.join(self.tmp, "copy.db")
        deadline = time.monotonic() + 10 * harness.SLOW
        while True:
            shutil.copyfile(d.db_path, copy)  # the main file only: no -wal beside it
            try:
                db = sqlite3.connect(copy)
                rows = db.execute("SELECT count(*) FROM audit WHERE event = 'governance.evaluate'"
                                  ).fetchone()[0]
                db.close()
            except sqlite3.DatabaseError:
                rows = 0  # caught mid-copy: try again
            if rows >= 2000 or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        self.assertGreaterEqual(rows, 2000)
        # 64,000 frames of 4 KiB is where the writer copies whatever is left itself.
        self.assertLess(os.path.getsize(d.db_path + "-wal"), 64000 * 4096 + 4096 * 1024)


class AuditFailure(MaestroTestCase):
    """The audit writer cannot commit: a test holds SQLite's write lock for
    longer than maestrod's busy timeout (5 s), so the commit fails."""

    BUSY_TIMEOUT = 5.0

    def fail_one_reload(self):
        harness.sqlite3_or_skip(self)
        d = self.start_daemon(config="max_line = 4096\n")
        lock = d.sqlite_lock()
        try:
            d.write_config("max_line = 8192\n")
            with d.connect(timeout=self.BUSY_TIMEOUT + 10) as c:
                r = c.call("system.reload", id="r")
            st = d.status()
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        return d, r, st

    def limit_is(self, d, limit):
        """True if a ping line of limit + 1 bytes is refused and one of limit is served."""
        pre = b'{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"data":"'
        with d.connect() as c:
            c.send(pre + b"x" * (limit - len(pre) - 3) + b'"}}\n')
            if "result" not in c.read_json():
                return False
        with d.connect() as c:
            c.send(pre + b"x" * (limit + 1 - len(pre) - 3) + b'"}}\n')
            return "error" in c.read_json()

    def test_commit_failure_is_reported_and_recovers(self):
        d, r, st = self.fail_one_reload()
        self.assertError(r, -32005, id="r", contains="audit")
        self.assertTrue(st["health"].startswith("degraded"), st["health"])
        self.assertEqual(st["audit"]["failed"], 1)
        # The lock is gone: the next reload commits and health is back.
        with d.connect() as c:
            r = c.call("system.reload")
        self.assertIs(r["result"]["reloaded"], True)
        self.assertEqual(d.status()["health"], "ok")

    def test_unaudited_reload_is_not_applied(self):
        # The reply says the reload failed (-32005) and no config.reload row
        # exists; the new config must then not be in force either: a config
        # change without an audit row is what the audit trail is there to prevent.
        d, r, st = self.fail_one_reload()
        self.assertError(r, -32005, id="r")
        rows = d.sqlite_rows("SELECT event FROM audit WHERE event = 'config.reload'")
        self.assertEqual(rows, [])
        self.assertTrue(self.limit_is(d, 4096),
                        "the reload was applied (max_line 8192 in force) although its audit "
                        "row was never written and the caller was told it failed")


class RefusedFiles(MaestroTestCase):
    def assertRefused(self, db_path, *needles):
        before = digest(db_path)
        had = sidecars(db_path)
        d = self.new_daemon(db_path=db_path)
        d.start(wait=False)
        rc = d.wait_exit(15)
        self.assertGreater(rc, 0, "maestrod started on %s:\n%s" % (db_path, d.log()))
        log = d.log()
        self.assertIn(db_path, log)
        for n in needles:
            self.assertIn(n, log)
        self.assertEqual(digest(db_path), before, "maestrod changed a file it refused")
        self.assertEqual(sidecars(db_path), had, "maestrod left SQLite files beside it")
        self.assertFalse(os.path.lexists(d.socket_path))
        return log

    def test_random_bytes(self):
        path = os.path.join(self.tmp, "random.db")
        rnd = random.Random(1234)
        with open(path, "wb") as f:
            f.write(bytes(rnd.randrange(256) for _ in range(65536)))
        self.assertRefused(path, "not a SQLite database")

    def test_text_file(self):
        path = os.path.join(self.tmp, "notes.txt")
        with open(path, "w") as f:
            f.write("dear diary\n" * 1000)
        self.assertRefused(path, "not a SQLite database")

    def test_other_application(self):
        sqlite3 = harness.sqlite3_or_skip(self)
        path = os.path.join(self.tmp, "other.db")
        db = sqlite3.connect(path)
        db.execute("PRAGMA application_id = %d" % 0x12345678)
        db.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        db.execute("INSERT INTO contacts VALUES ('ada', '555')")
        db.commit()
        db.close()
        log = self.assertRefused(path, "not a maestro database")
        self.assertIn("0x12345678", log)
        db = sqlite3.connect(path)
        self.assertEqual(db.execute("SELECT name FROM contacts").fetchall(), [("ada",)])
        db.close()

    def test_other_application_without_id(self):
        sqlite3 = harness.sqlite3_or_skip(self)
        path = os.path.join(self.tmp, "plain.db")
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE t (x)")
        db.commit()
        db.close()
        self.assertRefused(path, "not a maestro database")

    def test_newer_schema(self):
        sqlite3 = harness.sqlite3_or_skip(self)
        path = os.path.join(self.tmp, "future.db")
        db = sqlite3.connect(path)
        db.execute("PRAGMA application_id = %d" % APPLICATION_ID)
        db.execute("PRAGMA user_version = 99")
        db.execute("CREATE TABLE audit (seq INTEGER PRIMARY KEY)")
        db.commit()
        db.close()
        self.assertRefused(path, "99", "newer")

    def test_database_in_use_by_another_maestrod(self):
        first = self.start_daemon()
        other = os.path.join(self.tmp, "second")
        os.mkdir(other, 0o700)
        second = self.new_daemon(socket_path=os.path.join(other, "maestrod.sock"),
                                 db_path=first.db_path,
                                 config_path=os.path.join(other, "maestrod.conf"),
                                 name="second-maestrod")
        second.start(wait=False)
        self.assertGreater(second.wait_exit(15), 0)
        self.assertIn("in use by another maestrod", second.log())
        self.assertIn(first.db_path, second.log())
        self.assertFalse(os.path.lexists(second.socket_path))
        with first.connect() as c:
            self.assertNotIn("error", c.call("system.reload"))


if __name__ == "__main__":
    harness.main()
