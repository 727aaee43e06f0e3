#!/usr/bin/env python3
"""Approvals: an ask waits for a person, and the person's answer reaches the agent.

An ask creates one pending approval (the same action asked again is the same
approval); approve once, approve for a window, deny with a note; what an
approval covers and what it does not; expiry; approval.wait; notifications;
the audit rows of every step; approvals across a restart; conflicts and bad
params; no self-approval, neither through the protocol nor through an
agent's action; maestroctl approvals, approve, deny, approvals --watch and
evaluate --wait.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, RPC_INVALID_PARAMS, E_UNAUTHORIZED, SLOW  # noqa: E402

E_NOT_FOUND = -32002
E_CONFLICT = -32003
ID_RE = re.compile(r"^apr_[0-9a-f]{16}$")
PUSH = "git push --force"


class ApprovalCase(MaestroTestCase):
    """A running maestrod, two executors and a workspace."""

    config = ""

    def setUp(self):
        super().setUp()
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(self.ws)
        self.d = self.start_daemon(config=self.config)
        self.d.wait_audit_committed(1)
        self.token = self.register("exec-1")
        self.token2 = self.register("exec-2")
        self.uid = os.getuid()

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
        return reply["error"]["message"]

    def register(self, id):
        return self.ok(self.d.call("agent.register", {"id": id, "role": "executor"}))["token"]

    def session(self, agent="exec-1", token=None, d=None):
        c = (d or self.d).connect()
        self.ok(c.call("session.hello", {"agent": agent,
                                         "token": token or (self.token if agent == "exec-1"
                                                            else self.token2)}))
        return c

    def action(self, kind="shell", **kw):
        a = {"kind": kind, "cwd": self.ws, "workspace": self.ws}
        a.update(kw)
        return a

    def shell(self, conn, command=PUSH):
        return self.ok(conn.call("governance.evaluate", {"action": self.action(command=command)}))

    def ask(self, conn, command=PUSH):
        r = self.shell(conn, command)
        self.assertEqual(r["decision"], "ask", r)
        self.assertRegex(r["ask"]["approval_id"], ID_RE)
        return r["ask"]["approval_id"]

    def decide(self, id, decision="approve", conn=None, **kw):
        p = {"id": id, "decision": decision}
        p.update(kw)
        return (conn.call if conn else self.d.call)("approval.decide", p)

    def pending(self):
        return self.ok(self.d.call("approval.list", {"status": "pending"}))["approvals"]

    def count(self, event, where="1"):
        return self.d.sqlite_rows("SELECT count(*) FROM audit WHERE event = '%s' AND %s"
                                  % (event, where))[0][0]

    def audit_rows(self, where="1"):
        rows = self.d.sqlite_rows("SELECT seq, event, actor, peer_uid, correlation_id, detail"
                                  " FROM audit WHERE %s ORDER BY seq" % where)
        return [dict(seq=s, event=e, actor=a, peer_uid=u, correlation_id=c,
                     detail=json.loads(dt) if dt else None) for s, e, a, u, c, dt in rows]

    def wait_until(self, what, timeout=10):
        deadline = time.monotonic() + timeout * SLOW
        while time.monotonic() < deadline:
            v = what()
            if v:
                return v
            time.sleep(0.02)
        self.fail("condition not met within %.0fs" % (timeout * SLOW))

    def next_notification(self, conn, method, timeout=10):
        deadline = time.monotonic() + timeout * SLOW
        while True:
            m = conn.read_json(max(0.1, (deadline - time.monotonic()) / SLOW))
            if m.get("method") == method:
                return m["params"]
            if time.monotonic() > deadline:
                self.fail("no %s notification" % method)

    def token_file(self, agent="exec-1"):
        f = os.path.join(self.tmp, agent + ".token")
        with open(f, "w") as fh:
            fh.write((self.token if agent == "exec-1" else self.token2) + "\n")
        os.chmod(f, 0o600)
        return f

    def ctl(self, *args, **kw):
        return self.d.ctl(*args, env={"MAESTRO_TOKEN": "", "MAESTRO_AGENT": ""}, **kw)

    def ctl_eval(self, *args, timeout=30):
        return self.ctl("--agent", "exec-1", "--token-file", self.token_file(), "evaluate",
                        "--cwd", self.ws, "--workspace", self.ws, *args, timeout=timeout)


class Lifecycle(ApprovalCase):

    def test_ask_creates_one_pending_approval(self):
        c = self.session()
        r = self.shell(c)
        self.assertEqual(r["decision"], "ask", r)
        ask = r["ask"]
        self.assertEqual(ask["status"], "pending", r)
        self.assertGreater(ask["expires_us"], time.time() * 1e6 + 14 * 60e6, r)
        id = ask["approval_id"]
        (a,) = self.pending()
        self.assertEqual(a["id"], id)
        self.assertEqual(a["agent"], "exec-1")
        self.assertEqual(a["status"], "pending")
        self.assertEqual(a["risk_level"], r["risk_level"])
        self.assertEqual(a["summary"], "shell: " + PUSH)
        self.assertEqual(a["request"]["action"]["command"], PUSH)
        self.assertIn("question", a["request"])
        # Asked again: the same approval, not a second one.
        self.assertEqual(self.ask(c), id)
        self.assertEqual(self.ask(c), id)
        self.assertEqual(len(self.pending()), 1)
        p = self.ctl("approvals")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(id, p.stdout)
        self.assertIn("exec-1", p.stdout)
        self.assertIn(PUSH, p.stdout)
        p = self.ctl("approvals", "--json")
        self.assertEqual([x["id"] for x in json.loads(p.stdout)["approvals"]], [id])
        p = self.ctl("approvals", "show", id)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("pending", p.stdout)
        p = self.ctl("approvals", "show", id, "--json")
        self.assertEqual(json.loads(p.stdout)["id"], id)
        # Newest first.
        id2 = self.ask(c, "git reset --hard")
        self.assertEqual([x["id"] for x in self.pending()], [id2, id])

    def test_approve_once(self):
        c = self.session()
        id = self.ask(c)
        p = self.ctl("approve", id)
        self.assertEqual(p.returncode, 0, (p.stdout, p.stderr))
        self.assertIn("approved", p.stdout)
        r = self.shell(c)
        self.assertEqual(r["decision"], "allow", r)
        text = [x["text"] for x in r["reasons"] if x["subagent"] == "approval"]
        self.assertEqual(len(text), 1, r)
        self.assertRegex(text[0], r"^approved by uid %d at \d{4}-\d\d-\d\dT" % self.uid)
        # Used up: the next one asks again, with a new approval.
        id2 = self.ask(c)
        self.assertNotEqual(id2, id)
        stored = self.ok(self.d.call("approval.show", {"id": id}))
        self.assertEqual(stored["status"], "used", stored)
        self.assertEqual(stored["decided_uid"], self.uid, stored)
        self.assertEqual(stored["scope"], "once", stored)

    def test_approve_for_a_window(self):
        c = self.session()
        id = self.ask(c)
        p = self.ctl("approve", id, "--for", "1m", "--note", "release day")
        self.assertEqual(p.returncode, 0, (p.stdout, p.stderr))
        self.assertIn("until", p.stdout)
        for _ in range(4):
            r = self.shell(c)
            self.assertEqual(r["decision"], "allow", r)
            self.assertTrue(any(x["text"].startswith("approved by uid %d" % self.uid)
                                and "until" in x["text"] for x in r["reasons"]), r)
        # Each allowed evaluation's row names the approval that allowed it.
        self.d.wait_audit_committed(1)
        self.assertEqual(self.count("governance.evaluate", "detail LIKE '%%%s%%' AND"
                                    " json_extract(detail, '$.decision') = 'allow'" % id), 4)
        live = self.ok(self.d.call("approval.list", {"status": "live"}))["approvals"]
        self.assertEqual([(x["id"], x["status"], x["scope"]) for x in live],
                         [(id, "approved", "window")])
        self.assertAlmostEqual(live[0]["until_us"] - live[0]["decided_us"], 60e6, delta=1e3)
        self.assertEqual(self.pending(), [])
        p = self.ctl("approvals", "--all")
        self.assertIn(id, p.stdout)
        self.assertIn("approved", p.stdout)

    def test_deny_with_note(self):
        c = self.session()
        id = self.ask(c)
        p = self.ctl("deny", id, "--note", "not on main, use a branch")
        self.assertEqual(p.returncode, 0, (p.stdout, p.stderr))
        r = self.shell(c)
        self.assertEqual(r["decision"], "deny", r)
        self.assertTrue(any("not on main, use a branch" in x["text"] for x in r["reasons"]), r)
        # A denial answers one evaluation; then the agent may ask again.
        id2 = self.ask(c)
        self.assertNotEqual(id2, id)

    def test_covers_only_that_action_of_that_agent(self):
        c1, c2 = self.session(), self.session("exec-2")
        id = self.ask(c1)
        self.ok(self.decide(id, scope="for 10m"))
        # Another agent, the same action: its own approval.
        id2 = self.ask(c2)
        self.assertNotEqual(id2, id)
        # The same agent, another action: not covered.
        id3 = self.ask(c1, "git push --force origin other")
        self.assertNotIn(id3, (id, id2))
        # Another directory is another action too.
        other = os.path.join(self.tmp, "elsewhere")
        os.makedirs(other)
        r = self.ok(c1.call("governance.evaluate",
                            {"action": {"kind": "shell", "command": PUSH, "cwd": other,
                                        "workspace": other}}))
        self.assertNotEqual(r["decision"], "allow", r)
        # The description is the agent's prose, not the action.
        r = self.ok(c1.call("governance.evaluate",
                            {"action": self.action(command=PUSH, description="again")}))
        self.assertEqual(r["decision"], "allow", r)
        self.assertEqual(self.shell(c1)["decision"], "allow")

    def test_audit_rows(self):
        c = self.session()
        id = self.ask(c)
        self.ask(c)
        self.ok(self.decide(id, note="ok"))
        self.assertEqual(self.shell(c)["decision"], "allow")
        self.d.wait_audit_committed(1)
        rows = self.audit_rows("detail LIKE '%%%s%%'" % id)
        events = [(r["event"], r["detail"].get("decision")) for r in rows]
        self.assertEqual(events, [("governance.evaluate", "ask"), ("governance.evaluate", "ask"),
                                  ("approval.decide", "approve"),
                                  ("governance.evaluate", "allow")], rows)
        dec = rows[2]
        self.assertEqual(dec["actor"], "uid:%d" % self.uid)
        self.assertEqual(dec["peer_uid"], self.uid)
        self.assertEqual(dec["detail"]["note"], "ok")
        self.assertEqual(dec["detail"]["scope"], "once")
        self.assertEqual(dec["correlation_id"], rows[0]["correlation_id"])
        self.assertEqual(self.count("approval.decide"), 1)
        self.assertEqual(self.count("governance.evaluate", "detail LIKE '%%%s%%'" % id), 3)
        self.assertEqual(self.count("approval.expire"), 0)
        (row,) = self.d.sqlite_rows("SELECT status, decided_uid, note FROM approvals"
                                    " WHERE id = '%s'" % id)
        self.assertEqual(row, ("used", self.uid, "ok"))


class Errors(ApprovalCase):

    def test_conflict_and_params(self):
        c = self.session()
        id = self.ask(c)
        self.ok(self.decide(id, "deny"))
        self.err(self.decide(id), E_CONFLICT, "denied")
        self.err(self.decide(id, "deny"), E_CONFLICT)
        id = self.ask(c, "git reset --hard")
        for p in ({"id": "x", "decision": "approve"},
                  {"id": "apr_0123456789ABCDEF", "decision": "approve"},
                  {"id": id + "0", "decision": "approve"},
                  {"id": id, "decision": "maybe"},
                  {"id": id, "decision": "approve", "scope": "forever"},
                  {"id": id, "decision": "approve", "scope": "for 0m"},
                  {"id": id, "decision": "approve", "scope": "for 8d"},
                  {"id": id, "decision": "approve", "scope": "for -5m"},
                  {"id": id, "decision": "deny", "scope": "for 5m"},
                  {"id": id, "decision": "approve", "note": "x" * 1025},
                  {"id": id, "decision": "approve", "note": 5},
                  {"id": id},
                  {"decision": "approve"},
                  {"id": id, "decision": "approve", "extra": 1}):
            with self.subTest(params=p):
                self.err(self.d.call("approval.decide", p), RPC_INVALID_PARAMS)
        self.err(self.decide("apr_0000000000000000"), E_NOT_FOUND)
        self.err(self.d.call("approval.show", {"id": "apr_0000000000000000"}), E_NOT_FOUND)
        self.err(self.d.call("approval.show", {"id": "../etc"}), RPC_INVALID_PARAMS)
        self.err(self.d.call("approval.list", {"status": "all"}), RPC_INVALID_PARAMS)
        self.err(self.d.call("approval.wait", {"id": id, "timeout": 3601}), RPC_INVALID_PARAMS)
        self.err(self.d.call("approval.wait", {"id": id, "timeout": -1}), RPC_INVALID_PARAMS)
        self.err(self.d.call("approval.wait", {"id": id, "timeout": "1"}), RPC_INVALID_PARAMS)
        # Still pending after all that.
        self.assertEqual([x["id"] for x in self.pending()], [id])
        p = self.ctl("approve", "apr_0000000000000000")
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        p = self.ctl("approve", id, "--for", "soon")
        self.assertEqual(p.returncode, 2, (p.stdout, p.stderr))
        p = self.ctl("deny", id, "--for", "1m")
        self.assertEqual(p.returncode, 2, (p.stdout, p.stderr))
        p = self.ctl("approve")
        self.assertEqual(p.returncode, 2, (p.stdout, p.stderr))


class Waiting(ApprovalCase):

    def test_wait_for_a_decision_on_another_connection(self):
        c = self.session()
        id = self.ask(c)
        t0 = time.monotonic()
        r = self.ok(c.call("approval.wait", {"id": id, "timeout": 0.3}))
        self.assertGreaterEqual(time.monotonic() - t0, 0.25)
        self.assertEqual((r["status"], r["decision"], r["timed_out"]), ("pending", None, True))

        def person():
            time.sleep(0.3)
            self.ok(self.decide(id, note="go"))

        t = threading.Thread(target=person)
        t.start()
        try:
            t0 = time.monotonic()
            r = self.ok(c.call("approval.wait", {"id": id, "timeout": 30}))
        finally:
            t.join()
        self.assertLess(time.monotonic() - t0, 10 * SLOW)
        self.assertEqual((r["status"], r["decision"], r["timed_out"]),
                         ("approved", "allow", False))
        self.assertEqual(r["note"], "go")
        # Decided already: at once.
        r = self.ok(c.call("approval.wait", {"id": id, "timeout": 30}))
        self.assertEqual(r["decision"], "allow")
        # An agent waits on its own asks only.
        c2 = self.session("exec-2")
        self.err(c2.call("approval.wait", {"id": id, "timeout": 1}), E_NOT_FOUND)

    def test_notifications(self):
        sub = self.d.connect()
        self.assertTrue(self.ok(sub.call("approval.subscribe"))["subscribed"])
        c = self.session()
        id = self.ask(c)
        n = self.next_notification(sub, "approval.requested")
        self.assertEqual((n["id"], n["status"], n["agent"]), (id, "pending", "exec-1"))
        self.ask(c)  # the same approval: no second request
        self.ok(self.decide(id, "deny", note="no"))
        n = self.next_notification(sub, "approval.decided")
        self.assertEqual((n["id"], n["status"], n["note"]), (id, "denied", "no"))
        self.assertFalse(self.ok(sub.call("approval.unsubscribe"))["subscribed"])
        self.ask(c, "git reset --hard")
        with self.assertRaises(TimeoutError):
            sub.read_json(0.5)

    def test_watch(self):
        p = subprocess.Popen([harness.MAESTROCTL, "--socket", self.d.socket_path, "approvals",
                              "--watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, env=harness.clean_env(), text=True)
        harness._live.add(p)
        try:
            self.assertIn("watching", p.stderr.readline())
            c = self.session()
            id = self.ask(c)
            line = p.stdout.readline()
            self.assertTrue(line.startswith("requested"), line)
            self.assertIn(id, line)
            self.assertIn(PUSH, line)
            self.assertNotIn("\a", line)  # not a terminal: no bell
            self.ok(self.decide(id))
            line = p.stdout.readline()
            self.assertTrue(line.startswith("decided"), line)
            self.assertIn(id, line)
        finally:
            p.send_signal(signal.SIGINT)
            p.wait(10)
            harness._live.discard(p)
            err = p.stderr.read()
            p.stdout.close()
            p.stderr.close()
        self.assertIsNone(harness.sanitizer_report(err), err)

    def test_ctl_evaluate_wait(self):
        def person(decision, *args):
            def run():
                a = self.wait_until(self.pending)
                self.ctl(decision, a[0]["id"], *args)
            t = threading.Thread(target=run)
            t.start()
            return t

        t = person("approve")
        p = self.ctl_eval("--wait", "30", "shell", PUSH)
        t.join()
        self.assertEqual(p.returncode, 0, (p.stdout, p.stderr))
        self.assertTrue(p.stdout.startswith("ask"), p.stdout)
        self.assertIn("allow (risk", p.stdout)
        self.assertIn("approved by uid %d" % self.uid, p.stdout)

        t = person("deny", "--note", "ask Ana first")
        p = self.ctl_eval("--wait", "30", "shell", PUSH)
        t.join()
        self.assertEqual(p.returncode, 3, (p.stdout, p.stderr))
        self.assertIn("ask Ana first", p.stdout)

        p = self.ctl_eval("--wait", "1", "shell", PUSH)
        self.assertEqual(p.returncode, 4, (p.stdout, p.stderr))
        self.assertIn("still waiting", p.stdout)
        # Not an ask: --wait changes nothing.
        p = self.ctl_eval("--wait", "30", "shell", "ls")
        self.assertEqual(p.returncode, 0, (p.stdout, p.stderr))
        p = self.ctl_eval("--wait", "forever", "shell", "ls")
        self.assertEqual(p.returncode, 2, (p.stdout, p.stderr))


class Expiry(ApprovalCase):

    config = "approval_timeout = 2s\n"

    def test_expiry(self):
        sub = self.d.connect()
        self.ok(sub.call("approval.subscribe"))
        c = self.session()
        r = self.shell(c)
        id = r["ask"]["approval_id"]
        self.assertAlmostEqual(r["ask"]["expires_us"], time.time() * 1e6 + 2e6, delta=1.5e6)
        r = self.ok(c.call("approval.wait", {"id": id, "timeout": 30}))
        self.assertEqual((r["status"], r["decision"], r["timed_out"]), ("expired", "deny", False))
        n = self.next_notification(sub, "approval.expired")
        self.assertEqual(n["id"], id)
        self.assertEqual(self.pending(), [])
        self.err(self.decide(id), E_NOT_FOUND)
        self.d.wait_audit_committed(1)
        self.assertEqual(self.count("approval.expire", "detail LIKE '%%%s%%'" % id), 1)
        (row,) = self.d.sqlite_rows("SELECT actor FROM audit WHERE event = 'approval.expire'")
        self.assertEqual(row[0], "maestrod")
        self.assertEqual(self.ok(self.d.call("approval.show", {"id": id}))["status"], "expired")
        # Asked again: a new approval.
        self.assertNotEqual(self.ask(c), id)
        p = self.ctl_eval("--wait", "30", "shell", "git reset --hard")
        self.assertEqual(p.returncode, 3, (p.stdout, p.stderr))
        self.assertIn("expired", p.stdout)


class Restart(ApprovalCase):

    def test_survive_a_restart(self):
        c = self.session()
        waiting = self.ask(c)
        granted = self.ask(c, "git reset --hard")
        self.ok(self.decide(granted, scope="for 1h"))
        denied = self.ask(c, "apt-get install -y jq")
        self.ok(self.decide(denied, "deny", note="use the container"))
        c.close()
        self.d.stop()
        self.d = self.start_daemon()
        self.assertEqual([x["id"] for x in self.pending()], [waiting])
        live = self.ok(self.d.call("approval.list", {"status": "live"}))["approvals"]
        self.assertEqual({x["id"] for x in live}, {waiting, granted, denied})
        c = self.session()
        self.assertEqual(self.ask(c), waiting)
        for _ in range(2):
            self.assertEqual(self.shell(c, "git reset --hard")["decision"], "allow")
        r = self.shell(c, "apt-get install -y jq")
        self.assertEqual(r["decision"], "deny", r)
        self.assertTrue(any("use the container" in x["text"] for x in r["reasons"]), r)
        self.ok(self.decide(waiting))
        self.assertEqual(self.shell(c)["decision"], "allow")


    def test_stop_answers_waiters(self):
        c = self.session()
        id = self.ask(c)
        c.send_json(harness.request("approval.wait", {"id": id, "timeout": 600}, id=99))
        time.sleep(0.2)
        t0 = time.monotonic()
        self.d.signal(signal.SIGTERM)
        r = c.read_json(10)
        self.assertEqual(r["id"], 99, r)
        self.assertEqual((r["result"]["status"], r["result"]["decision"],
                          r["result"]["timed_out"]), ("pending", None, True))
        self.assertEqual(self.d.wait_exit(), 0)
        # Well before the drain timeout.
        self.assertLess(time.monotonic() - t0, 4 * SLOW)
        self.assertNotIn("drain timeout", self.d.log())


class NoSelfApproval(ApprovalCase):

    def test_agents_cannot_call_approval_methods(self):
        c = self.session()
        id = self.ask(c)
        auth = {"agent": "exec-1", "token": self.token}
        for method, params in (("approval.decide", {"id": id, "decision": "approve"}),
                               ("approval.list", {}),
                               ("approval.show", {"id": id}),
                               ("approval.subscribe", None),
                               ("approval.unsubscribe", None)):
            with self.subTest(method=method):
                self.err(c.call(method, params), E_UNAUTHORIZED)
                p = dict(params or {})
                p["auth"] = auth
                self.err(self.d.call(method, p), E_UNAUTHORIZED)
        # maestroctl speaking for the agent: refused the same way.
        for args in (("approve", id), ("deny", id), ("approvals",), ("approvals", "show", id)):
            p = self.ctl("--agent", "exec-1", "--token-file", self.token_file(), *args)
            self.assertEqual(p.returncode, 1, (args, p.stdout, p.stderr))
            self.assertIn("unauthorized", p.stderr)
        self.assertEqual([x["id"] for x in self.pending()], [id])
        self.assertEqual(self.count("approval.decide"), 0)

    def test_agent_actions_that_would_approve(self):
        sock, cfg, db = self.d.socket_path, self.d.config_path, self.d.db_path
        decide = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "approval.decide",
                             "params": {"id": "apr_0123456789abcdef", "decision": "approve"}})
        shell = [
            "maestroctl approve apr_0123456789abcdef",
            "ls && maestroctl approve X",
            "echo hi | maestroctl approve X",
            'bash -c "maestroctl approve X"',
            "sh -c 'maestroctl deny X'",
            'eval "maestroctl approve X"',
            "$(maestroctl approve X)",
            "/usr/bin/maestroctl approve X",
            "env maestroctl approve X",
            "echo '%s' | socat - UNIX-CONNECT:%s" % (decide, sock),
            "socat - UNIX-CONNECT:%s" % sock,
            "python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect('%s')\""
            % sock,
        ]
        files = [
            ("file_write", sock, "x"),
            ("file_write", cfg, "allowed_users = 0\n"),
            ("file_write", db, "x"),
        ]
        c = self.session()
        bad = []
        for cmd in shell:
            r = self.shell(c, cmd)
            if (r["decision"], r["risk_level"]) != ("deny", "CRITICAL"):
                bad.append("%r: %s %s %s" % (cmd, r["decision"], r["risk_level"],
                                              [x["rule"] for x in r["reasons"]]))
        for kind, path, content in files:
            r = self.ok(c.call("governance.evaluate",
                               {"action": self.action(kind, path=path, content=content)}))
            if (r["decision"], r["risk_level"]) != ("deny", "CRITICAL"):
                bad.append("%s %s: %s %s %s" % (kind, path, r["decision"], r["risk_level"],
                                                 [x["rule"] for x in r["reasons"]]))
        self.assertEqual(bad, [], "\n" + "\n".join(bad))
        self.assertEqual(self.count("approval.decide"), 0)


    def test_script_that_would_approve(self):
        """A script an agent writes is read as what it will run.

        Once it runs, maestrod sees only "sh ./approve.sh", a workspace
        script; so the write of a script that runs maestroctl (however it
        is spelled) is where it is refused, as self-modification.
        """
        c = self.session()
        cases = [
            ("approve.sh", "#!/bin/sh\nmaestroctl approve X\n"),
            ("approve", "#!/usr/bin/env bash\nset -e\necho ok && maestroctl approve X\n"),
            ("approve.sh", "cd /tmp\nbash -c 'maestroctl deny X'\n"),
            ("approve.bash", "\"maes\"'troctl' approve X\n"),
            ("approve.sh", "#!/bin/sh\n/usr/bin/maestroctl approve X\n"),
        ]
        for name, content in cases:
            r = self.ok(c.call("governance.evaluate", {"action": self.action(
                "file_write", path=os.path.join(self.ws, name), content=content)}))
            self.assertEqual(r["decision"], "deny", (content, r))
            self.assertEqual(r["risk_level"], "CRITICAL", (content, r))
        # An ordinary script is an ordinary write.
        r = self.ok(c.call("governance.evaluate", {"action": self.action(
            "file_write", path=os.path.join(self.ws, "build.sh"),
            content="#!/bin/sh\nmake -j4 && echo done\n")}))
        self.assertEqual(r["decision"], "allow", r)


if __name__ == "__main__":
    harness.main()
