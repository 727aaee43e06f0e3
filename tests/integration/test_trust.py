#!/usr/bin/env python3
"""Trust, suspension, token budgets and reports against a real maestrod.

Trust lowered by denied attempts and kept across a restart with its history
in the trust_history table; suspension below trust_suspend with maestrod's
agent.suspend audit row, and resume putting trust back; a token budget that
denies once spent and whose usage survives a restart; agent.set_budget;
governance.report refused for an evaluation that never was, another
agent's, or one already reported, without moving trust; maestroctl's budget
options and agent show.
"""

import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, RPC_INVALID_PARAMS  # noqa: E402

E_UNAUTHENTICATED = -32001
E_NOT_FOUND = -32002
E_CONFLICT = -32003
RISKS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"]
DENY_STEP = 0.005


class TrustCase(MaestroTestCase):
    config = ""

    def setUp(self):
        super().setUp()
        harness.sqlite3_or_skip(self)
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(self.ws)
        self.d = self.start_daemon(config=self.config)
        self.token = self.register("exec-1")

    def restart(self):
        self.d.stop()
        self.d = self.start_daemon(config=self.config)

    def ok(self, reply):
        self.assertNotIn("error", reply, reply)
        return reply["result"]

    def err(self, reply, code, *contains):
        self.assertNotIn("result", reply, reply)
        self.assertEqual(reply["error"]["code"], code, reply)
        for t in contains:
            self.assertIn(t, reply["error"]["message"], reply)
        return reply["error"]["message"]

    def register(self, id, **params):
        p = {"id": id, "role": "executor"}
        p.update(params)
        return self.ok(self.d.call("agent.register", p))["token"]

    def session(self, agent="exec-1", token=None):
        c = self.d.connect()
        self.ok(c.call("session.hello", {"agent": agent, "token": token or self.token}))
        return c

    def shell(self, conn, command):
        a = {"kind": "shell", "command": command, "cwd": self.ws, "workspace": self.ws}
        return self.ok(conn.call("governance.evaluate", {"action": a}))

    def show(self, id="exec-1"):
        return self.ok(self.d.call("agent.show", {"id": id}))["agent"]

    def rows(self, sql, n):
        """sql's rows once there are n: trust and suspensions are written off the reply path."""
        deadline = time.monotonic() + 10 * harness.SLOW
        while True:
            rows = self.d.sqlite_rows(sql)
            if len(rows) >= n or time.monotonic() > deadline:
                return rows
            time.sleep(0.01)

    def history(self, n, agent="exec-1"):
        return self.rows("SELECT old, new, reason, correlation_id FROM trust_history"
                         " WHERE agent = '%s' ORDER BY seq" % agent, n)

    def wait_trust(self, expected, id="exec-1"):
        """Trust moves after the reply; it is there by the next request on the loop."""
        self.assertAlmostEqual(self.show(id)["trust"], expected, places=6)

    def report(self, conn, corr, outcome="success", **kw):
        p = {"correlation_id": corr, "outcome": outcome}
        p.update(kw)
        return conn.call("governance.report", p)


class TestTrust(TrustCase):

    def test_denies_lower_trust_which_survives_restart(self):
        a = self.show()
        self.assertAlmostEqual(a["trust"], 0.8)
        c = self.session()
        expected, corrs = 0.8, []
        for _ in range(3):
            r = self.shell(c, "rm -rf /")
            self.assertEqual(r["decision"], "deny", r)
            expected -= DENY_STEP * (RISKS.index(r["risk_level"]) + 1)
            corrs.append(r["correlation_id"])
        self.wait_trust(expected)
        # The reply shows the trust the evaluation started from.
        self.assertGreater(r["trust_score"], expected)
        rows = self.history(3)
        self.assertEqual([x[2] for x in rows], ["deny"] * 3, rows)
        self.assertEqual([x[3] for x in rows], corrs, rows)
        self.assertAlmostEqual(rows[0][0], 0.8)
        self.assertAlmostEqual(rows[-1][1], expected)
        self.assertAlmostEqual(self.d.sqlite_rows(
            "SELECT trust FROM agents WHERE id = 'exec-1'")[0][0], expected)
        self.restart()
        self.wait_trust(expected)
        listed = self.ok(self.d.call("agent.list"))["agents"]
        self.assertAlmostEqual(listed[0]["trust"], expected)

    def test_low_trust_suspends_and_resume_restores(self):
        c = self.session()
        for n in range(60):
            r = c.call("governance.evaluate", {"action": {
                "kind": "shell", "command": "rm -rf /", "cwd": self.ws}})
            if "error" in r:
                break
            self.assertEqual(r["result"]["decision"], "deny", r)
        else:
            self.fail("never suspended")
        # 0.8 down to below 0.1 at 0.02 per CRITICAL deny: 36 denies.
        self.assertEqual(n, 36)
        self.err(r, E_UNAUTHENTICATED, "suspended", "fell below 0.100")
        a = self.show()
        self.assertEqual(a["status"], "suspended")
        self.assertIn("fell below 0.100", a["suspend_reason"])
        self.assertLess(a["trust"], 0.1)
        rows = self.rows("SELECT actor, detail FROM audit WHERE event = 'agent.suspend'", 1)
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0][0], "maestrod")
        detail = json.loads(rows[0][1])
        self.assertEqual(detail["agent"], "exec-1")
        self.assertIn("fell below", detail["reason"])
        # A new session is refused too, also after a restart.
        self.restart()
        self.assertEqual(self.show()["status"], "suspended")
        r = self.d.connect().call("session.hello", {"agent": "exec-1", "token": self.token})
        self.err(r, E_UNAUTHENTICATED, "suspended")

        res = self.ok(self.d.call("agent.resume", {"id": "exec-1"}))
        self.assertEqual(res["agent"]["status"], "active")
        self.assertAlmostEqual(res["agent"]["trust"], 0.5)
        rows = self.history(37)
        self.assertEqual(rows[-1][2], "resume")
        self.assertAlmostEqual(rows[-1][1], 0.5)
        c = self.session()
        self.assertEqual(self.shell(c, "ls")["decision"], "allow")
        self.restart()
        self.assertAlmostEqual(self.show()["trust"], 0.5)
        self.assertEqual(self.show()["status"], "active")

    def test_trust_suspend_setting(self):
        self.config = "trust_suspend = 0.75\n"
        self.d.write_config(self.config)
        self.ok(self.d.call("system.reload"))
        c = self.session()
        # 0.78, 0.76, then 0.74: suspended after the third, refused at the fourth.
        for _ in range(4):
            r = c.call("governance.evaluate", {"action": {
                "kind": "shell", "command": "rm -rf /", "cwd": self.ws}})
        self.err(r, E_UNAUTHENTICATED, "trust 0.740 fell below 0.750")
        # Resumed halfway between the threshold and 1: above it, not at once suspended again.
        a = self.ok(self.d.call("agent.resume", {"id": "exec-1"}))["agent"]
        self.assertAlmostEqual(a["trust"], 0.875)
        self.d.write_config("trust_suspend = 1.5\n")
        r = self.d.call("system.reload")
        self.assertIn("error", r, r)
        self.assertIn("trust_suspend", json.dumps(r))


class TestBudget(TrustCase):

    def test_budget_enforced_and_usage_survives_restart(self):
        tok = self.register("spender", token_budget=1000, budget_period="day")
        a = self.show("spender")
        self.assertEqual((a["token_budget"], a["budget_period"], a["tokens_used"]),
                         (1000, "day", 0))
        self.assertIsNone(self.show()["token_budget"])
        c = self.session("spender", tok)
        r = self.shell(c, "ls")
        self.assertEqual(r["decision"], "allow", r)
        self.ok(self.report(c, r["correlation_id"], tokens_in=600, tokens_out=500, cost=0.25))
        a = self.show("spender")
        self.assertEqual((a["tokens_used"], a["tokens_total"]), (1100, 1100))
        self.assertAlmostEqual(a["cost_used"], 0.25)
        r = self.shell(c, "ls")
        self.assertEqual(r["decision"], "deny", r)
        texts = [x["text"] for x in r["reasons"] if x["rule"] == "justica.budget"]
        self.assertEqual(texts, ["token budget exhausted: 1100 of 1000 tokens used this day"], r)

        self.restart()
        self.assertEqual(self.show("spender")["tokens_used"], 1100)
        c = self.session("spender", tok)
        self.assertEqual(self.shell(c, "ls")["decision"], "deny")

        # Raised: allowed again, usage kept.
        a = self.ok(self.d.call("agent.set_budget", {"id": "spender", "token_budget": 5000}))["agent"]
        self.assertEqual((a["token_budget"], a["tokens_used"]), (5000, 1100))
        self.assertEqual(self.shell(c, "ls")["decision"], "allow")
        # A new period counts afresh; 0 removes the budget.
        a = self.ok(self.d.call("agent.set_budget", {"id": "spender", "token_budget": 1,
                                                    "budget_period": "week"}))["agent"]
        self.assertEqual((a["budget_period"], a["tokens_used"], a["tokens_total"]),
                         ("week", 0, 1100))
        a = self.ok(self.d.call("agent.set_budget", {"id": "spender", "token_budget": 0}))["agent"]
        self.assertIsNone(a["token_budget"])
        events = self.rows("SELECT event FROM audit WHERE event = 'agent.set_budget'", 3)
        self.assertEqual(len(events), 3)

    def test_budget_params(self):
        for p, text in (({"token_budget": -1}, "token_budget"),
                        ({"token_budget": 5, "budget_period": "year"}, "budget_period")):
            q = {"id": "x", "role": "executor"}
            q.update(p)
            self.err(self.d.call("agent.register", q), RPC_INVALID_PARAMS, text)
        self.err(self.d.call("agent.set_budget", {"id": "exec-1"}), RPC_INVALID_PARAMS)
        self.err(self.d.call("agent.set_budget", {"id": "nobody", "token_budget": 5}),
                 E_NOT_FOUND)
        # Agents cannot set their own budget.
        r = self.session().call("agent.set_budget", {"id": "exec-1", "token_budget": 0})
        self.assertIn("error", r, r)

    def test_maestroctl(self):
        p = self.d.ctl("agent", "add", "ctl-1", "--role", "executor", "--budget", "100k",
                       "--budget-period", "week")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = self.d.ctl("agent", "show", "ctl-1").stdout
        self.assertRegex(out, r"trust\s+0\.800")
        self.assertRegex(out, r"budget\s+100000 tokens per week")
        self.assertRegex(out, r"used\s+0 of 100000 tokens this period")
        p = self.d.ctl("agent", "budget", "ctl-1", "2M", "--period", "month")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.show("ctl-1")["token_budget"], 2000000)
        p = self.d.ctl("agent", "budget", "ctl-1", "none")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("budget         none", self.d.ctl("agent", "show", "ctl-1").stdout)
        self.assertEqual(self.d.ctl("agent", "budget", "ctl-1", "lots").returncode, 2)
        self.assertIn("TRUST", self.d.ctl("agent", "list").stdout)


class TestReports(TrustCase):

    def test_only_real_evaluations_once(self):
        other = self.register("exec-2")
        c, c2 = self.session(), self.session("exec-2", other)
        self.err(self.report(c, "made-up-123"), E_NOT_FOUND, "made-up-123")
        self.wait_trust(0.8)

        r = self.shell(c, "ls")
        self.assertEqual(r["decision"], "allow", r)
        corr = r["correlation_id"]
        # Another agent's evaluation is as unknown as one that never was.
        self.err(self.report(c2, corr), E_NOT_FOUND)
        self.wait_trust(0.8, "exec-2")
        rep = self.ok(self.report(c, corr))
        self.assertAlmostEqual(rep["trust_score"], 0.81)
        self.err(self.report(c, corr, "failure"), E_CONFLICT, "already reported")
        self.wait_trust(0.81)

        # A denied evaluation is not reported on either.
        d = self.shell(c, "rm -rf /")
        self.assertEqual(d["decision"], "deny")
        after_deny = self.show()["trust"]
        self.err(self.report(c, d["correlation_id"]), E_NOT_FOUND)
        self.wait_trust(after_deny)

        # A failure with a client-chosen correlation id, and its history row.
        a = {"kind": "shell", "command": "ls", "cwd": self.ws}
        self.ok(c.call("governance.evaluate", {"action": a, "correlation_id": "mine-1"}))
        self.ok(self.report(c, "mine-1", "failure"))
        self.wait_trust(after_deny - 0.03)
        rows = self.history(3)
        self.assertEqual(rows[-1][2:], ("report: failure", "mine-1"))
        # After a restart nothing is owed: reports on older evaluations are refused.
        self.restart()
        c = self.session()
        self.err(self.report(c, corr), E_NOT_FOUND)


if __name__ == "__main__":
    harness.main()
