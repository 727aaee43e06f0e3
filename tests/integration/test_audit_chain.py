#!/usr/bin/env python3
"""The tamper-evident audit trail (maestro-audit(7)) against a real maestrod.

Rows are produced (agent.register, evaluations), the SQLite file is then
tampered with through Python's sqlite3 module, and `maestroctl audit
verify` must name the exact first bad seq and what happened to it: a
changed detail, a deleted row, an inserted row, two rows swapped, a tail
cut off. Also: an untampered trail verifies, the hashes are what the man
page says (recomputed here in Python), the key files and their modes,
checkpoints every N rows and at shutdown, retention keeping verification
green, and strict parsing of the public key file.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase  # noqa: E402

GENESIS = "0" * 64
COLUMNS = "seq, time_us, event, actor, peer_uid, peer_pid, correlation_id, detail, prev_hash"


def field(v):
    """One field of the canonical encoding, as maestro-audit(7) defines it."""
    if v is None:
        return b"\x00\x00\x00\x00\x00"
    if isinstance(v, int):
        return b"\x01" + (8).to_bytes(4, "big") + v.to_bytes(8, "big", signed=True)
    b = v.encode()
    return b"\x02" + len(b).to_bytes(4, "big") + b


def row_hash(row):
    return hashlib.sha256(b"maestro-audit-row-v1" + b"".join(field(v) for v in row)).hexdigest()


class ChainCase(MaestroTestCase):

    config = "audit_checkpoint_every = 5\n"

    def setUp(self):
        super().setUp()
        self.d = self.start_daemon(config=self.config)
        self.d.wait_audit_committed(1)

    def rows(self, n):
        """n more audit rows, one agent.register each."""
        base = len(self.d.sqlite_rows("SELECT seq FROM audit"))
        for i in range(n):
            r = self.d.call("agent.register", {"id": "a-%d-%d" % (base, i), "role": "observer"})
            self.assertIn("result", r, r)
        self.d.wait_audit_committed(base + n)

    def db(self):
        return sqlite3.connect(self.d.db_path, timeout=10 * harness.SLOW, isolation_level=None)

    def verify(self, *args):
        p = self.d.ctl("audit", "verify", "--json", *args)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        r = json.loads(p.stdout)
        self.assertEqual(p.returncode == 0, r["ok"], r)
        return r

    def assertBroken(self, seq, kind, *args):
        r = self.verify(*args)
        self.assertFalse(r["ok"], r)
        self.assertEqual((r["problem"]["seq"], r["problem"]["kind"]), (seq, kind), r)
        return r

    def pub(self):
        return os.path.join(os.path.dirname(self.d.db_path), "audit-signing.pub")


class TestChain(ChainCase):

    def test_untampered_verifies_and_hashes_match_the_man_page(self):
        self.rows(12)
        p = self.d.ctl("audit", "verify", "--public-key", self.pub())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^audit trail verified: 13 rows, seq 1\.\.13, head [0-9a-f]{64}\n")
        prev = GENESIS
        for row in self.d.sqlite_rows("SELECT %s, hash FROM audit ORDER BY seq" % COLUMNS):
            self.assertEqual(row[8], prev, row)
            self.assertEqual(row_hash(row[:9]), row[9], row)
            prev = row[9]
        r = self.verify("--public-key", self.pub())
        self.assertEqual((r["rows"], r["first_seq"], r["last_seq"], r["head_hash"]),
                         (13, 1, 13, prev))
        self.assertEqual(r["public_key"], "given")
        self.assertEqual(r["checkpoints"], 2)  # at 5 and 10

    def test_key_files(self):
        d = os.path.dirname(self.d.db_path)
        key = os.stat(os.path.join(d, "audit-signing.key"))
        self.assertEqual(stat.S_IMODE(key.st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.pub()).st_mode), 0o644)
        with open(self.pub()) as f:
            self.assertRegex(f.read(), r"^maestro-audit-ed25519 [0-9a-f]{64}\n\Z")
        # The same key after a restart.
        with open(self.pub()) as f:
            before = f.read()
        self.d.stop()
        self.d.start()
        with open(self.pub()) as f:
            self.assertEqual(f.read(), before)

    def test_bad_public_key_files(self):
        good = open(self.pub()).read()
        for name, text in [("empty", ""), ("no newline", good[:-1]), ("upper", good.upper()),
                           ("two lines", good + good), ("short", good[:-3] + "\n"),
                           ("other prefix", "ssh-ed25519 " + good.split()[1] + "\n"),
                           ("trailing space", good[:-1] + " \n"), ("huge", "x" * 100000)]:
            path = os.path.join(self.tmp, "bad.pub")
            with open(path, "w") as f:
                f.write(text)
            p = self.d.ctl("audit", "verify", "--public-key", path)
            self.assertEqual(p.returncode, 2, (name, p.stdout, p.stderr))
            self.assertIn("not an audit public key", p.stderr, name)
        p = self.d.ctl("audit", "verify", "--public-key", os.path.join(self.tmp, "none"))
        self.assertEqual(p.returncode, 2, p.stderr)
        # The daemon checks the key it is given, too.
        r = self.d.call("audit.verify", {"public_key": "zz"})
        self.assertEqual(r["error"]["code"], harness.RPC_INVALID_PARAMS, r)

    def test_checkpoints_every_n_rows_and_at_shutdown(self):
        self.rows(11)  # rows 1..12
        cps = [s for (s,) in self.d.sqlite_rows("SELECT seq FROM audit_checkpoints ORDER BY seq")]
        self.assertEqual(cps, [5, 10])
        self.d.stop()
        last = self.d.sqlite_rows("SELECT max(seq) FROM audit")[0][0]
        cps = self.d.sqlite_rows("SELECT seq, hash FROM audit_checkpoints ORDER BY seq")
        self.assertEqual(cps[-1][0], last)  # daemon.stop is signed at shutdown
        self.assertEqual(cps[-1][1], self.d.sqlite_rows(
            "SELECT hash FROM audit WHERE seq = %d" % last)[0][0])

    def test_changed_detail(self):
        self.rows(8)
        self.db().execute("UPDATE audit SET detail = '{\"id\":\"evil\"}' WHERE seq = 5")
        self.assertBroken(5, "changed")
        p = self.d.ctl("audit", "verify")
        self.assertEqual(p.returncode, 1)
        self.assertIn("BROKEN at seq 5 (changed)", p.stdout)

    def test_changed_type(self):
        # The same digits as a BLOB (an INTEGER column turns text back into a number).
        self.rows(8)
        self.db().execute("UPDATE audit SET peer_uid = CAST(peer_uid AS BLOB) WHERE seq = 4")
        self.assertBroken(4, "changed")

    def test_deleted_middle_row(self):
        self.rows(8)
        self.db().execute("DELETE FROM audit WHERE seq = 4")
        self.assertBroken(4, "removed")

    def test_deleted_and_renumbered(self):
        self.rows(8)
        db = self.db()
        db.execute("DELETE FROM audit WHERE seq = 4")
        for s in range(5, 10):
            db.execute("UPDATE audit SET seq = seq - 1 WHERE seq = ?", (s,))
        self.assertBroken(4, "removed")

    def test_inserted_row(self):
        self.rows(8)
        db = self.db()
        for s in range(9, 4, -1):
            db.execute("UPDATE audit SET seq = seq + 1 WHERE seq = ?", (s,))
        prev = db.execute("SELECT hash FROM audit WHERE seq = 4").fetchone()[0]
        row = [5, 1, "agent.register", "uid:0", 0, 1, None, "{}", prev]
        # A careful forger even hashes the row right; the next row still gives it away.
        db.execute("INSERT INTO audit (%s, hash) VALUES (?,?,?,?,?,?,?,?,?,?)" % COLUMNS,
                   row + [row_hash(row)])
        self.assertBroken(5, "inserted")

    def test_appended_row_that_does_not_link(self):
        self.rows(3)
        row = [5, 1, "agent.register", "uid:0", 0, 1, None, "{}", "1" * 64]
        self.db().execute("INSERT INTO audit (%s, hash) VALUES (?,?,?,?,?,?,?,?,?,?)" % COLUMNS,
                          row + [row_hash(row)])
        self.assertBroken(5, "inserted")

    def test_two_rows_swapped(self):
        self.rows(8)
        db = self.db()
        cols = "time_us, event, actor, peer_uid, peer_pid, correlation_id, detail, prev_hash, hash"
        a = db.execute("SELECT %s FROM audit WHERE seq = 5" % cols).fetchone()
        b = db.execute("SELECT %s FROM audit WHERE seq = 6" % cols).fetchone()
        sets = ", ".join("%s = ?" % c.strip() for c in cols.split(","))
        db.execute("UPDATE audit SET %s WHERE seq = 5" % sets, b)
        db.execute("UPDATE audit SET %s WHERE seq = 6" % sets, a)
        self.assertBroken(5, "reordered")

    def sqlite3_tool(self, sql):
        # The way a person would tamper: the sqlite3 command-line shell.
        tool = shutil.which("sqlite3")
        if tool is None:
            self.skipTest("the sqlite3 tool (Debian package sqlite3) is not installed")
        p = subprocess.run([tool, "-cmd", ".timeout 10000", self.d.db_path, sql], text=True,
                           capture_output=True, timeout=30 * harness.SLOW)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_sqlite3_tool_edit_delete_reorder(self):
        self.rows(12)
        self.sqlite3_tool("UPDATE audit SET actor = 'someone-else' WHERE seq = 9")
        self.assertBroken(9, "changed")
        self.sqlite3_tool("DELETE FROM audit WHERE seq = 6")
        self.assertBroken(6, "removed")
        # Two rows' contents exchanged, keeping their seqs: reordered at the first.
        self.sqlite3_tool(
            "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (3, 4);"
            "UPDATE audit SET (time_us, event, actor, peer_uid, peer_pid, correlation_id,"
            " detail, prev_hash, hash) = (SELECT time_us, event, actor, peer_uid, peer_pid,"
            " correlation_id, detail, prev_hash, hash FROM t WHERE t.seq = 7 - audit.seq)"
            " WHERE seq IN (3, 4);")
        self.assertBroken(3, "reordered")

    def test_truncated_tail(self):
        self.rows(11)  # rows 1..12, checkpoints at 5 and 10
        db = self.db()
        db.execute("DELETE FROM audit WHERE seq >= 8")
        # A forger who also resets SQLite's counter leaves only the checkpoint to tell.
        db.execute("UPDATE sqlite_sequence SET seq = 7 WHERE name = 'audit'")
        self.assertBroken(8, "truncated", "--public-key", self.pub())
        # Without the key the checkpoint is checked with the key stored beside it: it
        # still shows, as long as the forger left the checkpoint there.
        self.assertBroken(8, "truncated")

    def test_truncated_tail_resigned_by_another_key(self):
        """Without --public-key a forger's own maestrod can re-sign a cut trail."""
        self.rows(11)
        self.d.stop()
        db = self.db()
        db.execute("DELETE FROM audit WHERE seq >= 8")
        db.execute("UPDATE sqlite_sequence SET seq = 7 WHERE name = 'audit'")
        db.execute("DELETE FROM audit_checkpoints WHERE seq >= 8")
        db.close()
        # The forger's copy, run by a maestrod with a key of its own.
        forged_dir = os.path.join(self.tmp, "forged")
        os.makedirs(forged_dir)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.d.db_path + suffix):
                shutil.copy(self.d.db_path + suffix, os.path.join(forged_dir, "maestro.db" + suffix))
        f = self.start_daemon(forged_dir, config=self.config)
        f.wait_audit_committed(1)
        r = f.ctl("audit", "verify", "--json")
        self.assertEqual(json.loads(r.stdout)["ok"], True, r.stdout)  # the weak check passes
        f.stop()
        f.start()
        p = f.ctl("audit", "verify", "--json", "--public-key", self.pub())
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertEqual(json.loads(p.stdout)["problem"]["kind"], "signature", p.stdout)


class TestRetention(ChainCase):

    config = "audit_checkpoint_every = 5\naudit_max_rows = 10\n"

    def test_retention_keeps_verification_green(self):
        self.rows(30)
        seqs = self.pruned()
        self.assertEqual(len(seqs), 10, seqs)
        self.assertEqual(seqs[-1], 31)
        anchor = self.d.sqlite_rows("SELECT seq, signature FROM audit_anchor")[0]
        self.assertEqual(anchor[0], seqs[0] - 1)
        self.assertIsNotNone(anchor[1])
        r = self.verify("--public-key", self.pub())
        self.assertTrue(r["ok"], r)
        self.assertEqual((r["first_seq"], r["last_seq"], r["anchor_seq"]),
                         (seqs[0], 31, anchor[0]))
        # After the anchor, tampering still shows.
        self.db().execute("UPDATE audit SET detail = '{}' WHERE seq = %d" % (seqs[0] + 2))
        self.assertBroken(seqs[0] + 2, "changed")

    def pruned(self):
        """The seqs left once the writer, pruning between commits, has caught up."""
        deadline = time.monotonic() + 10 * harness.SLOW
        while True:
            seqs = [s for (s,) in self.d.sqlite_rows("SELECT seq FROM audit ORDER BY seq")]
            if len(seqs) <= 10 or time.monotonic() > deadline:
                return seqs
            time.sleep(0.05)

    def test_anchor_moved_by_hand(self):
        self.rows(30)
        self.pruned()
        db = self.db()
        first = db.execute("SELECT min(seq) FROM audit").fetchone()[0]
        db.execute("DELETE FROM audit WHERE seq <= %d" % (first + 2))
        h = db.execute("SELECT prev_hash FROM audit WHERE seq = %d" % (first + 3)).fetchone()[0]
        db.execute("UPDATE audit_anchor SET seq = ?, hash = ?", (first + 2, h))
        self.assertBroken(first + 2, "anchor", "--public-key", self.pub())


class TestRetentionReload(ChainCase):

    config = "audit_checkpoint_every = 5\n"

    def test_reload_turns_retention_on(self):
        self.rows(20)
        self.d.write_config("audit_max_age = 5x\n")
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("audit_max_age must be off or an age", p.stderr)
        self.d.write_config("audit_checkpoint_every = 5\naudit_max_rows = 8\naudit_max_age = 30d\n")
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # Pruned by the writer at once, with nothing more to write.
        deadline = time.monotonic() + 10 * harness.SLOW
        while len(self.d.sqlite_rows("SELECT seq FROM audit")) > 8:
            self.assertLess(time.monotonic(), deadline, "not pruned")
            time.sleep(0.05)
        r = self.verify("--public-key", self.pub())
        self.assertTrue(r["ok"], r)
        last = self.d.sqlite_rows("SELECT max(seq) FROM audit")[0][0]
        self.assertEqual((r["rows"], r["last_seq"], r["anchor_seq"]), (8, last, last - 8))


if __name__ == "__main__":
    harness.main()
