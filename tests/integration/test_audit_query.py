#!/usr/bin/env python3
"""Reading the audit trail: audit.query, audit.show, audit.export, audit.follow.

A known set of rows (agents registered, evaluations allowed, denied and
asked, of several kinds); every filter against an independent model of its
documented meaning applied to the rows in the SQLite file; paging that
covers every row once; show and not found; bad params; the JSONL export
equal to the database; live following in order, a follower that does not
read costing neither memory nor decisions and told what it missed; agents
refused; and maestroctl's table, --json, show, export and --follow.
"""

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, RPC_INVALID_PARAMS, E_UNAUTHORIZED  # noqa: E402

E_NOT_FOUND = -32002
RANK = {"LOW": 0, "MEDIUM": 1, "HIGH": 2, "CRITICAL": 3}
ROW_KEYS = ["seq", "time", "time_us", "event", "actor", "peer_uid", "peer_pid",
            "correlation_id", "detail", "prev_hash", "hash"]


def rfc3339(us):
    s, u = divmod(us, 1000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%06dZ" % u


def model_match(row, f):
    """The documented meaning of each filter (maestro-protocol(7)), written apart from the C."""
    d = row["detail"] if isinstance(row["detail"], dict) else {}

    def s(v):
        return v if isinstance(v, str) else None

    if "agent" in f and row["actor"] != f["agent"] and s(d.get("agent")) != f["agent"]:
        return False
    if "decision" in f and s(d.get("decision")) != f["decision"]:
        return False
    if "risk" in f and RANK.get(s(d.get("risk_level")), -1) < RANK[f["risk"].upper()]:
        return False
    if "kind" in f:
        a = d.get("action")
        if not isinstance(a, dict) or s(a.get("kind")) != f["kind"]:
            return False
    if "event" in f:
        e = f["event"][:-1] if f["event"].endswith(".*") else f["event"]
        if e.endswith(".") and not row["event"].startswith(e):
            return False
        if not e.endswith(".") and row["event"] != e:
            return False
    if "correlation_id" in f and row["correlation_id"] != f["correlation_id"]:
        return False
    if "since_us" in f and row["time_us"] < f["since_us"]:
        return False
    if "until_us" in f and row["time_us"] >= f["until_us"]:
        return False
    if "text" in f and f["text"] not in row["_raw"] and f["text"] not in (row["actor"] or ""):
        return False
    return True


class AuditCase(MaestroTestCase):

    def setUp(self):
        super().setUp()
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(self.ws)
        with open(os.path.join(self.ws, "README.md"), "w") as f:
            f.write("hello\n")
        self.d = self.start_daemon()
        self.d.wait_audit_committed(1)
        self.tokens = {}
        for agent in ("exec-1", "exec-2"):
            r = self.ok(self.d.call("agent.register", {"id": agent, "role": "executor"}))
            self.tokens[agent] = r["token"]

    # -- helpers ------------------------------------------------------------

    def ok(self, reply):
        self.assertNotIn("error", reply, reply)
        self.assertIn("result", reply, reply)
        return reply["result"]

    def err(self, reply, code, *contains):
        self.assertNotIn("result", reply, reply)
        self.assertEqual(reply.get("error", {}).get("code"), code, reply)
        for t in contains:
            self.assertIn(t, reply["error"]["message"], reply)

    def session(self, agent):
        c = self.d.connect()
        self.ok(c.call("session.hello", {"agent": agent, "token": self.tokens[agent]}))
        return c

    def action(self, kind, **kw):
        a = {"kind": kind, "cwd": self.ws, "workspace": self.ws}
        a.update(kw)
        return a

    def evaluate(self, conn, action, **params):
        p = {"action": action}
        p.update(params)
        return self.ok(conn.call("governance.evaluate", p))

    def db_rows(self, where="1"):
        rows = self.d.sqlite_rows(
            "SELECT seq, time_us, event, actor, peer_uid, peer_pid, correlation_id, detail,"
            " prev_hash, hash FROM audit WHERE %s ORDER BY seq" % where)
        out = []
        for seq, t, ev, actor, uid, pid, corr, detail, prev, h in rows:
            try:
                parsed = json.loads(detail)
            except ValueError:
                parsed = detail
            out.append({"seq": seq, "time": rfc3339(t), "time_us": t, "event": ev,
                        "actor": actor, "peer_uid": uid, "peer_pid": pid,
                        "correlation_id": corr, "detail": parsed, "prev_hash": prev,
                        "hash": h, "_raw": detail})
        return out

    @staticmethod
    def public(row):
        return {k: row[k] for k in ROW_KEYS}

    def all_pages(self, conn, filters, limit=1000, order=None):
        """Every row the filter selects, by following the cursor; checks each page's shape."""
        seqs, cursor = [], None
        key = "after_seq" if order == "asc" else "before_seq"
        for _ in range(10000):
            p = dict(filters, limit=limit)
            if order:
                p["order"] = order
            if cursor is not None:
                p[key] = cursor
            r = self.ok(conn.call("audit.query", p))
            self.assertEqual(set(r), {"rows", "next_before_seq", "next_after_seq"}, r)
            self.assertLessEqual(len(r["rows"]), limit)
            seqs += [row["seq"] for row in r["rows"]]
            cursor = r["next_" + key]
            if cursor is None:
                return seqs
            self.assertEqual(cursor, r["rows"][-1]["seq"], r)
        self.fail("paging did not end")

    def make_rows(self):
        """Evaluations of every decision and several kinds, by two agents."""
        c1, c2 = self.session("exec-1"), self.session("exec-2")
        seen = set()
        for conn, action, corr in [
                (c1, self.action("shell", command="ls -la"), "cid-ls"),
                (c1, self.action("shell", command="git push --force"), None),
                (c1, self.action("shell", command="rm -rf /"), "cid-rm"),
                (c1, self.action("file_read", path=os.path.join(self.ws, "README.md")), None),
                (c2, self.action("shell", command="git status"), None),
                (c2, self.action("network", url="https://example.com/"), None),
                (c2, self.action("file_write", path="/opt/x"), None),
                (c2, self.action("shell", command="cat ~/.ssh/id_rsa"), "cid-rm")]:
            params = {"correlation_id": corr} if corr else {}
            seen.add(self.evaluate(conn, action, **params)["decision"])
        self.assertEqual(seen, {"allow", "deny", "ask"})
        return c1, c2


class Query(AuditCase):

    def test_filters_match_the_model(self):
        self.make_rows()
        admin = self.d.connect()
        rows = self.db_rows()
        evals = [r for r in rows if r["event"] == "governance.evaluate"]
        self.assertEqual(len(evals), 8, rows)
        t3, t6 = evals[2]["time_us"], evals[5]["time_us"]
        cases = [
            {}, {"agent": "exec-1"}, {"agent": "exec-2"}, {"agent": "nobody"},
            {"decision": "allow"}, {"decision": "deny"}, {"decision": "ask"},
            {"risk": "LOW"}, {"risk": "MEDIUM"}, {"risk": "high"}, {"risk": "CRITICAL"},
            {"kind": "shell"}, {"kind": "file_read"}, {"kind": "network"}, {"kind": "mcp_tool"},
            {"event": "governance."}, {"event": "governance.*"},
            {"event": "governance.evaluate"}, {"event": "agent.register"}, {"event": "agent."},
            {"event": "governance"},
            {"correlation_id": "cid-ls"}, {"correlation_id": "cid-rm"},
            {"text": "rm -rf"}, {"text": "exec-2"}, {"text": "id_rsa"},
            {"agent": "exec-1", "decision": "deny", "kind": "shell"},
            {"agent": "exec-2", "risk": "HIGH"},
        ]
        nonempty = 0
        for f in cases:
            want = [r["seq"] for r in reversed(rows) if model_match(r, f)]
            got = self.all_pages(admin, f)
            self.assertEqual(got, want, "filter %r" % f)
            nonempty += bool(want)
        self.assertGreaterEqual(nonempty, len(cases) - 4)

        # Times: RFC 3339 text, unix seconds as a number or as text; since <= t < until.
        for since, until, model in [
                (rfc3339(t3), t6 / 1e6, {"since_us": t3, "until_us": t6}),
                (str(t3 // 1000000), None, {"since_us": t3 // 1000000 * 1000000}),
                (None, rfc3339(t6).replace("Z", "+00:00"), {"until_us": t6})]:
            f = {}
            if since is not None:
                f["since"] = since
            if until is not None:
                f["until"] = until
            want = [r["seq"] for r in reversed(rows) if model_match(r, model)]
            self.assertEqual(self.all_pages(admin, f), want, f)

    def test_paging_covers_everything_once(self):
        c1, _ = self.make_rows()
        # More than a default page, pipelined.
        for i in range(55):
            c1.send_json(harness.request("governance.evaluate",
                                         {"action": self.action("shell", command="ls")},
                                         id=1000 + i))
        for i in range(55):
            self.assertIn("result", c1.read_json())
        admin = self.d.connect()
        everything = [r["seq"] for r in self.db_rows()]
        self.assertGreater(len(everything), 60)
        r = self.ok(admin.call("audit.query"))
        self.assertEqual([x["seq"] for x in r["rows"]], everything[::-1][:50])
        self.assertEqual(r["next_before_seq"], everything[::-1][49])
        self.assertIsNone(r["next_after_seq"])
        for limit in (1, 7, 50, 1000):
            self.assertEqual(self.all_pages(admin, {}, limit=limit), everything[::-1])
            self.assertEqual(self.all_pages(admin, {}, limit=limit, order="asc"), everything)
        # Filters and cursors together.
        evals = [r["seq"] for r in self.db_rows("event = 'governance.evaluate'")]
        self.assertEqual(self.all_pages(admin, {"event": "governance.evaluate"}, limit=3),
                         evals[::-1])
        mid = everything[len(everything) // 2]
        r = self.ok(admin.call("audit.query", {"before_seq": mid, "after_seq": mid - 4,
                                               "order": "asc"}))
        self.assertEqual([x["seq"] for x in r["rows"]], [mid - 3, mid - 2, mid - 1])

    def test_rows_equal_the_database(self):
        self.make_rows()
        admin = self.d.connect()
        rows = self.db_rows()
        r = self.ok(admin.call("audit.query", {"limit": 1000, "order": "asc"}))
        self.assertEqual(r["rows"], [self.public(x) for x in rows])
        for row in r["rows"]:
            self.assertEqual(list(row), ROW_KEYS)
            self.assertTrue(row["time"].endswith("Z") and len(row["time"]) == 27, row)
        # Evaluations carry the caller's credentials; maestrod's own rows carry none.
        ev = [x for x in r["rows"] if x["event"] == "governance.evaluate"][0]
        self.assertEqual(ev["peer_uid"], os.getuid())
        self.assertIsInstance(ev["detail"], dict)
        start = [x for x in r["rows"] if x["event"] == "daemon.start"][0]
        self.assertIsNone(start["peer_uid"])
        self.assertIsNone(start["correlation_id"])

    def test_show(self):
        self.make_rows()
        admin = self.d.connect()
        for row in self.db_rows():
            self.assertEqual(self.ok(admin.call("audit.show", {"seq": row["seq"]})),
                             self.public(row))
        last = self.db_rows()[-1]["seq"]
        self.err(admin.call("audit.show", {"seq": last + 1000}), E_NOT_FOUND, "not found")
        for p in ({}, {"seq": 0}, {"seq": -1}, {"seq": "1"}, {"seq": 1.5}, {"seq": 1, "x": 2}):
            self.err(admin.call("audit.show", p), RPC_INVALID_PARAMS)

    def test_bad_params(self):
        admin = self.d.connect()
        for method, p, text in [
                ("audit.query", {"decision": "maybe"}, "decision"),
                ("audit.query", {"risk": "EXTREME"}, "risk"),
                ("audit.query", {"kind": "teleport"}, "kind"),
                ("audit.query", {"agent": ""}, "agent"),
                ("audit.query", {"agent": 5}, "agent"),
                ("audit.query", {"since": "yesterday"}, "since"),
                ("audit.query", {"since": "2026-11-26T10:00:00"}, "since"),
                ("audit.query", {"until": -5}, "until"),
                ("audit.query", {"until": [1]}, "until"),
                ("audit.query", {"since": 2000, "until": 1000}, "earlier"),
                ("audit.query", {"limit": 0}, "limit"),
                ("audit.query", {"limit": 1001}, "limit"),
                ("audit.query", {"limit": "10"}, "limit"),
                ("audit.query", {"before_seq": 0}, "before_seq"),
                ("audit.query", {"after_seq": -3}, "after_seq"),
                ("audit.query", {"order": "random"}, "order"),
                ("audit.query", {"bogus": 1}, "bogus"),
                ("audit.query", {"text": "x" * 2000}, "text"),
                ("audit.export", {"agent": "exec-1"}, "agent"),
                ("audit.export", {"limit": 5000}, "limit"),
                ("audit.follow", {"limit": 5}, "limit"),
                ("audit.follow", {"risk": "nope"}, "risk"),
                ("audit.unfollow", {"x": 1}, "no params")]:
            self.err(admin.call(method, p), RPC_INVALID_PARAMS, text)
        self.assertServes(admin)

    def test_agents_are_refused(self):
        c = self.session("exec-1")
        for method, p in [("audit.query", {}), ("audit.show", {"seq": 1}),
                          ("audit.export", {}), ("audit.follow", {}), ("audit.unfollow", None)]:
            self.err(c.call(method, p), E_UNAUTHORIZED, "administrative")
        # Nor with credentials on the call.
        admin = self.d.connect()
        self.err(admin.call("audit.query", {"auth": {"agent": "exec-1",
                                                     "token": self.tokens["exec-1"]}}),
                 E_UNAUTHORIZED)
        # The connection that asked still serves what it may.
        self.assertServes(c)


class Export(AuditCase):

    def test_export_equals_the_database(self):
        self.make_rows()
        p = self.d.ctl("audit", "export")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        rows = self.db_rows()
        self.assertEqual([json.loads(l) for l in lines], [self.public(r) for r in rows])
        # One compact object per line.
        for l in lines:
            self.assertTrue(l.startswith('{"seq":'), l)

        # A window: since <= time < until.
        t2, t5 = rows[2]["time_us"], rows[5]["time_us"]
        p = self.d.ctl("audit", "export", "--since", rfc3339(t2), "--until", rfc3339(t5))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([json.loads(l)["seq"] for l in p.stdout.splitlines()],
                         [r["seq"] for r in rows if t2 <= r["time_us"] < t5])
        p = self.d.ctl("audit", "export", "--agent", "x")
        self.assertEqual(p.returncode, 2, p.stderr)

    def test_export_pages_through_many_rows(self):
        c1, _ = self.make_rows()
        n = 2100
        for start in range(0, n, 300):
            for i in range(start, min(n, start + 300)):
                c1.send_json(harness.request("governance.evaluate",
                                             {"action": self.action("shell", command="ls")},
                                             id=10000 + i))
            for i in range(start, min(n, start + 300)):
                self.assertIn("result", c1.read_json())
        p = self.d.ctl("audit", "export", timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        seqs = [json.loads(l)["seq"] for l in p.stdout.splitlines()]
        self.assertEqual(seqs, [r["seq"] for r in self.db_rows()])
        self.assertGreater(len(seqs), n)
        # The method itself: oldest first, a thousand at most, a cursor forward.
        admin = self.d.connect()
        r = self.ok(admin.call("audit.export"))
        self.assertEqual([x["seq"] for x in r["rows"]], seqs[:1000])
        self.assertEqual(r["next_after_seq"], seqs[999])
        self.assertIsNone(r["next_before_seq"])


class Follow(AuditCase):

    def read_until_reply(self, conn, id, timeout=10):
        notes = []
        while True:
            m = conn.read_json(timeout)
            if "id" in m:
                self.assertEqual(m["id"], id, m)
                return m, notes
            notes.append(m)

    def follow(self, conn, params=None, id="f"):
        conn.send_json(harness.request("audit.follow", params or {}, id=id))
        r = conn.read_json()  # the reply comes before any row
        self.assertEqual(r.get("id"), id, r)
        res = self.ok(r)
        self.assertEqual(res["following"], True)
        self.assertIsInstance(res["from_seq"], int)
        return res["from_seq"]

    def test_rows_arrive_live_in_order(self):
        c1, c2 = self.make_rows()
        everything = self.d.connect()
        filtered = self.d.connect()
        from_seq = self.follow(everything)
        self.assertEqual(from_seq, self.db_rows()[-1]["seq"] + 1)
        self.follow(filtered, {"agent": "exec-1", "kind": "shell"})
        for i in range(20):
            self.evaluate(c1 if i % 2 else c2, self.action("shell", command="ls -l f%d" % i))
        got = [everything.read_json() for _ in range(20)]
        for n in got:
            self.assertEqual(n.get("method"), "audit.row", n)
            self.assertNotIn("id", n)
            self.assertEqual(list(n["params"]), ROW_KEYS)
        seqs = [n["params"]["seq"] for n in got]
        self.assertEqual(seqs[0], from_seq)
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), 20)
        # The same rows as the store holds, hashes and all.
        db = {r["seq"]: self.public(r) for r in self.db_rows()}
        for n in got:
            self.assertIsNotNone(n["params"]["hash"], n)
            self.assertEqual(n["params"], db[n["params"]["seq"]])
        # The filtered follower saw exactly exec-1's ten, and can still make calls.
        filtered.send_json(harness.request("system.ping", {"data": "x"}, id="p"))
        reply, notes = self.read_until_reply(filtered, "p")
        self.assertPong(reply, "p", "x")
        self.assertEqual([n["params"]["seq"] for n in notes], seqs[1::2])
        self.assertTrue(all(n["params"]["actor"] == "exec-1" for n in notes))
        # Unfollowing stops the rows; the row of a reply already sent is already out.
        everything.send_json(harness.request("audit.unfollow", None, id="u"))
        reply, _ = self.read_until_reply(everything, "u")
        self.assertEqual(self.ok(reply), {"following": False, "was_following": True})
        self.evaluate(c1, self.action("shell", command="ls"))
        everything.send_json(harness.request("system.ping", None, id="p2"))
        reply, notes = self.read_until_reply(everything, "p2")
        self.assertEqual(notes, [])
        # A follower that closes is forgotten; decisions go on.
        filtered.close()
        self.evaluate(c1, self.action("shell", command="ls"))
        self.assertServes(c1)

    def test_a_follower_that_does_not_read(self):
        c1, _ = self.make_rows()
        slow = self.d.connect()
        self.follow(slow, {"agent": "exec-1", "event": "governance.evaluate"})
        # Each row carries 32 KiB of context: 150 of them are far past what a follower may queue.
        n = 150
        pad = "z" * 32768
        worst = 0.0
        started = time.monotonic()
        for i in range(n):
            t = time.monotonic()
            self.evaluate(c1, self.action("shell", command="ls"), context={"pad": pad, "i": i})
            worst = max(worst, time.monotonic() - t)
        self.assertLess(worst, 2.0 * harness.SLOW, "a decision waited on the follower")
        self.assertLess(time.monotonic() - started, 60 * harness.SLOW)
        # maestrod's memory did not take the rows in: its output to us is bounded.
        with open("/proc/%d/status" % self.d.pid) as f:
            rss_kb = int([l for l in f if l.startswith("VmRSS:")][0].split()[1])
        if not harness.SANITIZED:
            self.assertLess(rss_kb, 200 * 1024, "maestrod grew to %d kB" % rss_kb)
        # Now read: some rows, then one notice of the rest.
        rows, dropped = [], None
        deadline = time.monotonic() + 20 * harness.SLOW
        while dropped is None and time.monotonic() < deadline:
            m = slow.read_json(timeout=10)
            if m.get("method") == "audit.row":
                rows.append(m["params"]["seq"])
            elif m.get("method") == "audit.dropped":
                dropped = m["params"]
            else:
                self.fail("unexpected %r" % m)
        self.assertIsNotNone(dropped, "no audit.dropped after %d rows" % len(rows))
        self.assertGreater(dropped["count"], 0)
        self.assertLess(len(rows), n)
        self.assertEqual(len(rows) + dropped["count"], n)
        self.assertEqual(rows, sorted(rows))
        self.assertGreater(dropped["first_seq"], rows[-1] if rows else 0)
        self.assertGreaterEqual(dropped["last_seq"], dropped["first_seq"])
        evals = [r["seq"] for r in self.db_rows("event = 'governance.evaluate' AND actor = 'exec-1'")]
        self.assertEqual(dropped["last_seq"], evals[-1])
        # Caught up: rows flow again.
        s = self.evaluate(c1, self.action("shell", command="ls"))["audit_seq"]
        m = slow.read_json()
        self.assertEqual((m.get("method"), m["params"]["seq"]), ("audit.row", s), m)


class Ctl(AuditCase):

    def test_table_json_and_show(self):
        self.make_rows()
        c1 = self.session("exec-1")
        # What an agent writes reaches a terminal only defused.
        self.evaluate(c1, self.action("shell", command="echo \x1b[31mred\x1b]0;title\x07 \u009b2J"))
        p = self.d.ctl("audit")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].split()[:4] == ["SEQ", "TIME", "EVENT", "ACTOR"], lines[0])
        rows = self.db_rows()
        self.assertEqual([int(l.split()[0]) for l in lines[1:]],
                         [r["seq"] for r in reversed(rows)])
        self.assertNotIn("\x1b", p.stdout)
        self.assertNotIn("\x07", p.stdout)
        self.assertNotIn("\u009b", p.stdout)
        self.assertIn("shell: rm -rf /", p.stdout)

        p = self.d.ctl("audit", "--agent", "exec-1", "--decision", "deny", "--kind", "shell")
        self.assertEqual(p.returncode, 0, p.stderr)
        want = [r["seq"] for r in reversed(rows)
                if model_match(r, {"agent": "exec-1", "decision": "deny", "kind": "shell"})]
        self.assertEqual([int(l.split()[0]) for l in p.stdout.splitlines()[1:]], want)
        self.assertTrue(all(" deny " in l for l in p.stdout.splitlines()[1:]))

        p = self.d.ctl("audit", "--risk", "HIGH", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.assertEqual([x["seq"] for x in r["rows"]],
                         [x["seq"] for x in reversed(rows) if model_match(x, {"risk": "HIGH"})])

        p = self.d.ctl("audit", "--limit", "2")
        self.assertEqual(len(p.stdout.splitlines()), 3)
        self.assertIn("--before %d" % rows[-2]["seq"], p.stderr)

        deny = [x for x in rows if model_match(x, {"decision": "deny"})][0]
        p = self.d.ctl("audit", "show", str(deny["seq"]))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("event           governance.evaluate", p.stdout)
        self.assertIn('"decision": "deny"', p.stdout)  # pretty JSON
        p = self.d.ctl("audit", "show", str(deny["seq"]), "--json")
        self.assertEqual(json.loads(p.stdout), self.public(deny))

        p = self.d.ctl("audit", "show", "999999")
        self.assertEqual(p.returncode, 1)
        self.assertIn("not found", p.stderr)
        for args in (["show"], ["show", "x"], ["--limit", "0"], ["--bogus"], ["extra"]):
            self.assertEqual(self.d.ctl("audit", *args).returncode, 2, args)
        p = self.d.ctl("audit", "--risk", "EXTREME")
        self.assertEqual(p.returncode, 1)
        self.assertIn("risk", p.stderr)
        # Relative times: everything is less than a day old.
        p = self.d.ctl("audit", "--since", "1d", "--json", "--limit", "1000")
        self.assertEqual(len(json.loads(p.stdout)["rows"]), len(rows))
        p = self.d.ctl("audit", "--until", "1d", "--json")
        self.assertEqual(json.loads(p.stdout)["rows"], [])

    def test_verify_is_routed(self):
        p = self.d.ctl("audit", "verify")
        self.assertNotIn("unexpected argument", p.stderr)
        self.assertNotIn("unknown command", p.stderr)

    def test_follow(self):
        c1 = self.session("exec-1")
        cmd = [harness.MAESTROCTL, "--socket", self.d.socket_path, "audit", "--follow",
               "--agent", "exec-1", "--json"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=harness.clean_env(), stdin=subprocess.DEVNULL)
        try:
            # Until the follower is in place, rows may pass it by: evaluate until one shows.
            seen = []
            deadline = time.monotonic() + 10 * harness.SLOW
            buf = b""
            while len(seen) < 3 and time.monotonic() < deadline:
                self.evaluate(c1, self.action("shell", command="ls"))
                r, _, _ = select.select([p.stdout], [], [], 0.2)
                if r:
                    buf += os.read(p.stdout.fileno(), 1 << 16)
                    *done, buf = buf.split(b"\n")
                    seen += [json.loads(l) for l in done]
            self.assertGreaterEqual(len(seen), 3, p.stderr.read1() if p.poll() else "")
            self.assertTrue(all(list(x) == ROW_KEYS and x["actor"] == "exec-1" for x in seen))
            seqs = [x["seq"] for x in seen]
            self.assertEqual(seqs, sorted(seqs))
        finally:
            p.send_signal(signal.SIGINT)
            p.wait(10)
            err = p.stderr.read().decode()
            p.stdout.close()
            p.stderr.close()
        self.assertIsNone(harness.sanitizer_report(err), err)

        # Table mode: a header, then lines.
        p = subprocess.Popen(cmd[:-1], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=harness.clean_env(), stdin=subprocess.DEVNULL)
        try:
            out = b""
            deadline = time.monotonic() + 10 * harness.SLOW
            while out.count(b"\n") < 3 and time.monotonic() < deadline:
                self.evaluate(c1, self.action("shell", command="ls"))
                r, _, _ = select.select([p.stdout], [], [], 0.2)
                if r:
                    out += os.read(p.stdout.fileno(), 1 << 16)
            lines = out.decode().splitlines()
            self.assertTrue(lines[0].startswith("SEQ"), lines)
            self.assertIn("governance.evaluate", lines[1])
        finally:
            p.send_signal(signal.SIGINT)
            p.wait(10)
            p.stdout.close()
            p.stderr.close()


    def test_follow_loses_nothing_in_a_burst(self):
        # 10,000 decisions from four agents' connections, as fast as maestrod takes
        # them; maestroctl audit --follow must print every one of their rows, in order.
        burst, conns, window = 10000, 4, 32
        cmd = [harness.MAESTROCTL, "--socket", self.d.socket_path, "audit", "--follow",
               "--event", "governance.evaluate", "--json"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=harness.clean_env(), stdin=subprocess.DEVNULL)
        seen, lock = [], threading.Lock()
        paused = threading.Event()

        def drain():
            # Read as it comes, except for a pause at the start of the burst: the
            # pipe pushes back on maestroctl, maestrod drops rows for it, and
            # maestroctl must read those back from the store.
            buf = b""
            while True:
                if paused.is_set():
                    time.sleep(1.5)
                    paused.clear()
                chunk = os.read(p.stdout.fileno(), 1 << 16)
                if not chunk:
                    return
                buf += chunk
                *done, buf = buf.split(b"\n")
                with lock:
                    seen.extend(json.loads(l)["seq"] for l in done)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        try:
            c = self.session("exec-1")
            # Until the follower is in place, rows may pass it by: evaluate until one shows.
            deadline = time.monotonic() + 10 * harness.SLOW
            while time.monotonic() < deadline:
                self.evaluate(c, self.action("shell", command="ls"))
                time.sleep(0.05)
                with lock:
                    if seen:
                        break
            with lock:
                self.assertTrue(seen, p.stderr.read1() if p.poll() is not None else "")
                start = seen[-1]
            sessions = [self.session("exec-1" if i % 2 else "exec-2") for i in range(conns)]
            paused.set()
            sent = [0] * conns
            answered = [0] * conns
            per = burst // conns
            last = 0
            while sum(answered) < burst:
                for i, s in enumerate(sessions):
                    while sent[i] < per and sent[i] - answered[i] < window:
                        s.send_json(harness.request("governance.evaluate", {
                            "action": self.action("shell", command="ls -l b%d" % sent[i])},
                            id=sent[i]))
                        sent[i] += 1
                    if answered[i] < sent[i]:
                        r = self.ok(s.read_json(timeout=60))
                        self.assertIsInstance(r["audit_seq"], int, r)
                        last = max(last, r["audit_seq"])
                        answered[i] += 1
            deadline = time.monotonic() + 60 * harness.SLOW
            while time.monotonic() < deadline:
                with lock:
                    if seen and seen[-1] >= last:
                        break
                time.sleep(0.1)
        finally:
            p.send_signal(signal.SIGINT)
            p.wait(10)
            reader.join(10)
            err = p.stderr.read().decode()
            p.stdout.close()
            p.stderr.close()
        rows = [r["seq"] for r in self.db_rows(
            "event = 'governance.evaluate' AND seq > %d AND seq <= %d" % (start, last))]
        self.assertEqual(len(rows), burst)
        got = [x for x in seen if start < x <= last]
        self.assertEqual(got, rows, "the follower lost or reordered rows: %s" % err)
        # The pause did make maestrod drop rows, and they were read back.
        self.assertIn("read back rows", err)
        self.assertIsNone(harness.sanitizer_report(err), err)

    def test_follow_ends_when_maestrod_stops(self):
        p = subprocess.Popen([harness.MAESTROCTL, "--socket", self.d.socket_path, "audit",
                              "--follow"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=harness.clean_env(), stdin=subprocess.DEVNULL)
        try:
            # The header is printed once the follow is in place.
            r, _, _ = select.select([p.stdout], [], [], 10 * harness.SLOW)
            self.assertTrue(r, "no header from maestroctl audit --follow")
            # A follower holds up no shutdown.
            self.d.stop()
            rc = p.wait(10 * harness.SLOW)
            err = p.stderr.read().decode()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
        self.assertEqual(rc, 5, err)
        self.assertIn("closed the connection", err)
        self.assertIsNone(harness.sanitizer_report(err), err)

if __name__ == "__main__":
    harness.main()
