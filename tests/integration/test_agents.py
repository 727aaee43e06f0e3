#!/usr/bin/env python3
"""Agent identities: agent.* and session.* over the socket and through maestroctl.

Registration, roles and their default permission sets, grants and revokes,
suspension, token rotation, deletion; what survives a restart; that a token
is never written down anywhere but the caller's 0600 file; every way a token
is refused (and the audit row each refusal leaves); that an agent can never
administer; parameter checking; one audit row per change.

The peer test needs root (a client running as 'nobody'); it is skipped otherwise.
"""

import base64
import hashlib
import json
import os
import pwd
import re
import stat
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import (MaestroTestCase, E_UNAUTHORIZED, RPC_INVALID_PARAMS, encode,  # noqa: E402
                     request)

E_UNAUTHENTICATED = -32001
E_NOT_FOUND = -32002
E_CONFLICT = -32003

TOKEN_RE = re.compile(r"^mst_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")

# In the fixed order maestrod reports them (daemon/agent.c).
ALL_PERMISSIONS = ["read_files", "write_files", "execute_commands", "network_access",
                   "read_secrets", "evaluate_governance", "provide_counsel"]
ROLES = ["governance", "counselor", "executor", "observer"]
ROLE_DEFAULTS = {
    "governance": ["read_files", "evaluate_governance"],
    "counselor": ["read_files", "provide_counsel"],
    "executor": ["read_files", "write_files", "execute_commands", "network_access"],
    "observer": ["read_files"],
}

# Every method that changes an agent, and the audit event it writes.
CHANGE_EVENTS = ("agent.register", "agent.grant", "agent.revoke", "agent.suspend",
                 "agent.resume", "agent.rotate_token", "agent.delete")


def ordered(perms):
    """perms in maestrod's fixed order."""
    return [p for p in ALL_PERMISSIONS if p in perms]


def random_part(token):
    m = TOKEN_RE.match(token)
    assert m, token
    return m.group(2)


def token_bytes(token):
    """The 32 random bytes the token's base64url part encodes."""
    return base64.urlsafe_b64decode(random_part(token) + "=")


def ctl_env(**extra):
    """An environment for maestroctl with no agent or token of the caller's
    leaking in; extra sets variables (None removes one by making it empty)."""
    env = {"MAESTRO_TOKEN": "", "MAESTRO_AGENT": ""}
    for k, v in extra.items():
        env[k] = "" if v is None else v
    return env


class AgentCase(MaestroTestCase):
    """A running maestrod and helpers to talk about agents with it."""

    def setUp(self):
        super().setUp()
        self.d = self.start_daemon()
        # daemon.start, the first row, committed: counts start from here.
        self.d.wait_audit_committed(1)

    # -- replies ------------------------------------------------------------

    def ok(self, reply):
        self.assertNotIn("error", reply, reply)
        self.assertIn("result", reply, reply)
        return reply["result"]

    def err(self, reply, code, *contains):
        self.assertNotIn("result", reply, reply)
        self.assertIn("error", reply, reply)
        e = reply["error"]
        self.assertEqual(e.get("code"), code, reply)
        self.assertIsInstance(e.get("message"), str, reply)
        for text in contains:
            self.assertIn(text, e["message"], reply)
        return e["message"]

    # -- agents -------------------------------------------------------------

    def register(self, id, role="executor", d=None, **params):
        p = {"id": id, "role": role}
        p.update(params)
        res = self.ok((d or self.d).call("agent.register", p))
        self.assertRegex(res.get("token", ""), TOKEN_RE)
        self.assertEqual(res["agent"]["id"], id)
        self.assertIsInstance(res["audit_seq"], int)
        return res

    def show(self, id, d=None):
        return self.ok((d or self.d).call("agent.show", {"id": id}))["agent"]

    def agents(self, d=None):
        return {a["id"]: a for a in self.ok((d or self.d).call("agent.list"))["agents"]}

    def hello(self, agent, token, d=None):
        """session.hello on a fresh connection: (connection, reply)."""
        c = (d or self.d).connect()
        return c, c.call("session.hello", {"agent": agent, "token": token})

    def assertHello(self, agent, token, d=None):
        c, r = self.hello(agent, token, d)
        res = self.ok(r)
        self.assertEqual(res["agent"]["id"], agent, r)
        who = self.ok(c.call("session.whoami"))
        self.assertIs(who["administrator"], False, who)
        self.assertEqual(who["agent"]["id"], agent, who)
        return c

    # -- the audit trail ----------------------------------------------------

    def audit(self, d=None, where="1"):
        """Committed audit rows as dicts, oldest first.

        The rows of agent.* changes are committed before the reply; a failed
        authentication's row is queued when the reply goes out, so wait for
        it with wait_rows()."""
        d = d or self.d
        rows = d.sqlite_rows("SELECT seq, event, actor, peer_uid, peer_pid, correlation_id,"
                             " detail FROM audit WHERE %s ORDER BY seq" % where)
        out = []
        for seq, event, actor, uid, pid, corr, detail in rows:
            out.append(dict(seq=seq, event=event, actor=actor, peer_uid=uid, peer_pid=pid,
                            correlation_id=corr, detail=json.loads(detail)))
        return out

    def last_seq(self, d=None):
        rows = self.audit(d)
        return rows[-1]["seq"] if rows else 0

    def rows_since(self, seq, d=None):
        return self.audit(d, "seq > %d" % seq)

    def wait_rows(self, seq, n, d=None, timeout=10):
        """The rows after seq, once there are at least n of them (and nothing is queued)."""
        d = d or self.d
        deadline = time.monotonic() + timeout * harness.SLOW
        while True:
            rows = self.rows_since(seq, d)
            if len(rows) >= n:
                # Anything queued with them (that should not be) commits now too.
                d.wait_audit_committed(1)
                return self.rows_since(seq, d)
            if time.monotonic() >= deadline:
                self.fail("%d audit rows after seq %d did not appear within %.0fs; have %r"
                          % (n, seq, timeout * harness.SLOW, rows))
            time.sleep(0.01)

    def assertAuthFailedRow(self, seq, agent, method, reason_part, pid=None):
        """Exactly one new session.auth_failed row since seq, for this peer."""
        rows = self.wait_rows(seq, 1)
        self.assertEqual([r["event"] for r in rows], ["session.auth_failed"], rows)
        row = rows[0]
        self.assertEqual(row["actor"], "uid:%d" % os.getuid(), row)
        self.assertEqual(row["peer_uid"], os.getuid(), row)
        self.assertEqual(row["peer_pid"], os.getpid() if pid is None else pid, row)
        self.assertEqual(row["detail"].get("agent"), agent, row)
        self.assertEqual(row["detail"].get("method"), method, row)
        self.assertIn(reason_part, row["detail"].get("reason", ""), row)
        return row


# ---------------------------------------------------------------------------


class RawRegistry(AgentCase):
    """agent.* through raw JSON-RPC."""

    def test_register_show_list_round_trip(self):
        t0 = int(time.time())
        res = self.register("build-bot", "executor", permissions=["read_secrets"],
                            description="Builds the tree", expires_in=3600,
                            token_expires_in=600)
        t1 = int(time.time()) + 1
        a = res["agent"]
        self.assertEqual(a["role"], "executor")
        self.assertEqual(a["permissions"], ordered(ROLE_DEFAULTS["executor"] + ["read_secrets"]))
        self.assertEqual(a["status"], "active")
        self.assertEqual(a["description"], "Builds the tree")
        self.assertNotIn("suspend_reason", a)
        for k in ("created_at", "updated_at", "token_created_at"):
            self.assertTrue(t0 <= a[k] <= t1, (k, a))
        self.assertTrue(a["created_at"] + 3599 <= a["expires_at"] <= a["created_at"] + 3601, a)
        self.assertTrue(a["created_at"] + 599 <= a["token_expires_at"] <= a["created_at"] + 601, a)
        for k in a:
            self.assertNotIn("hash", k, "the reply shows a hash: %r" % a)
        self.assertNotIn("token", a, "the agent object carries its token: %r" % a)
        self.assertNotIn(random_part(res["token"]), json.dumps(a))

        other = self.register("obs.1", "observer")
        o = other["agent"]
        self.assertEqual(o["permissions"], ["read_files"])
        self.assertIsNone(o["description"])
        self.assertIsNone(o["expires_at"])
        self.assertIsNone(o["token_expires_at"])
        self.assertGreater(other["audit_seq"], res["audit_seq"])
        # Both tokens carry this instance's tag; they differ in the random part.
        self.assertEqual(TOKEN_RE.match(res["token"]).group(1),
                         TOKEN_RE.match(other["token"]).group(1))
        self.assertNotEqual(random_part(res["token"]), random_part(other["token"]))

        listed = self.agents()
        self.assertEqual(sorted(listed), ["build-bot", "obs.1"])
        self.assertEqual(listed["build-bot"], a)
        self.assertEqual(listed["obs.1"], o)
        self.assertEqual(self.show("build-bot"), a)
        self.assertEqual(self.show("obs.1"), o)
        # Each token is the agent's own.
        self.assertHello("build-bot", res["token"])
        self.assertHello("obs.1", other["token"])
        c, r = self.hello("obs.1", res["token"])
        self.err(r, E_UNAUTHENTICATED)

    def test_list_empty(self):
        self.assertEqual(self.ok(self.d.call("agent.list")), {"agents": []})

    def test_role_default_sets(self):
        for role in ROLES:
            with self.subTest(role=role):
                a = self.register("r-" + role, role)["agent"]
                self.assertEqual(a["role"], role)
                self.assertEqual(a["permissions"], ROLE_DEFAULTS[role])
        listed = self.agents()
        for role in ROLES:
            self.assertEqual(listed["r-" + role]["permissions"], ROLE_DEFAULTS[role], role)
        # Extra permissions at registration add to the defaults, never replace them.
        a = self.register("gov-plus", "governance", permissions=["network_access"])["agent"]
        self.assertEqual(a["permissions"],
                         ordered(ROLE_DEFAULTS["governance"] + ["network_access"]))

    def test_grant_and_revoke_touch_one_agent(self):
        self.register("a1", "executor")
        before_b = self.register("b1", "executor")["agent"]
        r = self.ok(self.d.call("agent.grant", {"id": "a1", "permissions": ["read_secrets"]}))
        self.assertEqual(r["agent"]["permissions"],
                         ordered(ROLE_DEFAULTS["executor"] + ["read_secrets"]))
        self.assertEqual(r["agent"]["role"], "executor")
        self.assertEqual(self.show("b1"), before_b, "a grant to a1 changed b1")

        r = self.ok(self.d.call("agent.revoke",
                                {"id": "a1", "permissions": ["network_access", "write_files"]}))
        self.assertEqual(r["agent"]["permissions"],
                         ["read_files", "execute_commands", "read_secrets"])
        self.assertEqual(r["agent"]["role"], "executor", "revoking changed the role")
        self.assertEqual(self.show("b1"), before_b, "a revoke on a1 changed b1")
        # Granting what is held, revoking what is not: no change to the set.
        r = self.ok(self.d.call("agent.grant", {"id": "a1", "permissions": ["read_files"]}))
        self.assertEqual(r["agent"]["permissions"],
                         ["read_files", "execute_commands", "read_secrets"])
        r = self.ok(self.d.call("agent.revoke", {"id": "a1", "permissions": ["provide_counsel"]}))
        self.assertEqual(r["agent"]["permissions"],
                         ["read_files", "execute_commands", "read_secrets"])
        # Down to nothing; the role stays executor.
        r = self.ok(self.d.call("agent.revoke", {"id": "a1", "permissions": ALL_PERMISSIONS}))
        self.assertEqual(r["agent"]["permissions"], [])
        a1 = self.show("a1")
        self.assertEqual((a1["role"], a1["permissions"]), ("executor", []))
        # Granting every permission.
        r = self.ok(self.d.call("agent.grant", {"id": "b1", "permissions": ALL_PERMISSIONS}))
        self.assertEqual(r["agent"]["permissions"], ALL_PERMISSIONS)
        self.assertEqual(self.show("a1")["permissions"], [])

    def test_suspend_and_resume(self):
        tok = self.register("worker", "executor")["token"]
        r = self.ok(self.d.call("agent.suspend", {"id": "worker", "reason": "under review"}))
        self.assertEqual(r["agent"]["status"], "suspended")
        self.assertEqual(r["agent"]["suspend_reason"], "under review")
        self.assertEqual(self.show("worker")["status"], "suspended")
        c, h = self.hello("worker", tok)
        self.err(h, E_UNAUTHENTICATED, "suspended", "under review")

        r = self.ok(self.d.call("agent.resume", {"id": "worker"}))
        self.assertEqual(r["agent"]["status"], "active")
        self.assertNotIn("suspend_reason", r["agent"])
        self.assertHello("worker", tok)

        # Without a reason.
        self.ok(self.d.call("agent.suspend", {"id": "worker"}))
        a = self.show("worker")
        self.assertEqual(a["status"], "suspended")
        self.assertNotIn("suspend_reason", a)
        c, h = self.hello("worker", tok)
        self.err(h, E_UNAUTHENTICATED, "worker is suspended")
        self.ok(self.d.call("agent.resume", {"id": "worker"}))
        self.assertHello("worker", tok)

    def test_rotate_token(self):
        res = self.register("rot", "counselor", token_expires_in=600)
        old = res["token"]
        time.sleep(1.05)  # token_created_at has a resolution of one second
        r = self.ok(self.d.call("agent.rotate_token", {"id": "rot"}))
        new = r["token"]
        self.assertRegex(new, TOKEN_RE)
        self.assertNotEqual(new, old)
        self.assertEqual(TOKEN_RE.match(new).group(1), TOKEN_RE.match(old).group(1))
        self.assertGreater(r["agent"]["token_created_at"], res["agent"]["token_created_at"])
        self.assertIsNone(r["agent"]["token_expires_at"], "rotation without an expiry kept the old one")
        self.assertEqual(r["agent"]["permissions"], ROLE_DEFAULTS["counselor"])
        c, h = self.hello("rot", old)
        self.err(h, E_UNAUTHENTICATED, "unknown agent or wrong token")
        self.assertHello("rot", new)
        # With a lifetime this time.
        r = self.ok(self.d.call("agent.rotate_token", {"id": "rot", "token_expires_in": 60}))
        a = r["agent"]
        self.assertTrue(a["token_created_at"] + 59 <= a["token_expires_at"] <= a["token_created_at"] + 61, a)
        self.assertHello("rot", r["token"])
        c, h = self.hello("rot", new)
        self.err(h, E_UNAUTHENTICATED)

    def test_delete(self):
        tok = self.register("gone", "observer")["token"]
        self.register("stays", "observer")
        r = self.ok(self.d.call("agent.delete", {"id": "gone"}))
        self.assertEqual(r.get("deleted"), "gone", r)
        self.assertIsInstance(r.get("audit_seq"), int, r)
        self.err(self.d.call("agent.show", {"id": "gone"}), E_NOT_FOUND, "gone")
        self.assertEqual(sorted(self.agents()), ["stays"])
        c, h = self.hello("gone", tok)
        self.err(h, E_UNAUTHENTICATED)
        # The id is free again; the new agent's token is new, the old one stays dead.
        new = self.register("gone", "governance")
        self.assertNotEqual(new["token"], tok)
        self.assertEqual(new["agent"]["permissions"], ROLE_DEFAULTS["governance"])
        c, h = self.hello("gone", tok)
        self.err(h, E_UNAUTHENTICATED)
        self.assertHello("gone", new["token"])

    def test_whoami(self):
        with self.d.connect() as c:
            who = self.ok(c.call("session.whoami"))
            self.assertIs(who["administrator"], True, who)
            self.assertIsNone(who["agent"], who)
            self.assertEqual(who["peer"]["uid"], os.getuid())
            self.assertEqual(who["peer"]["gid"], os.getgid())
            self.assertEqual(who["peer"]["pid"], os.getpid())
        tok = self.register("me", "observer")["token"]
        c = self.assertHello("me", tok)
        who = self.ok(c.call("session.whoami"))
        self.assertEqual(who["agent"]["role"], "observer")
        self.assertEqual(who["peer"]["uid"], os.getuid())
        # One-shot auth: for that call only.
        with self.d.connect() as c:
            who = self.ok(c.call("session.whoami", {"auth": {"agent": "me", "token": tok}}))
            self.assertIs(who["administrator"], False, who)
            self.assertEqual(who["agent"]["id"], "me", who)
            who = self.ok(c.call("session.whoami"))
            self.assertIs(who["administrator"], True, "one-shot auth stuck to the connection")
            self.assertIsNone(who["agent"])


# ---------------------------------------------------------------------------


class Cli(AgentCase):
    """The same through maestroctl."""

    def ctl(self, *args, env=None, json_out=False, **kw):
        return self.d.ctl(*args, env=ctl_env(**(env or {})), json_out=json_out, **kw)

    def ctl_ok(self, *args, **kw):
        p = self.ctl(*args, **kw)
        self.assertEqual(p.returncode, 0, (args, p.stdout, p.stderr))
        return p

    def ctl_json(self, *args, **kw):
        p = self.ctl_ok(*args, json_out=True, **kw)
        self.assertEqual(len(p.stdout.strip().splitlines()), 1, p.stdout)
        return json.loads(p.stdout)

    def show_fields(self, name):
        p = self.ctl_ok("agent", "show", name)
        fields = {}
        for line in p.stdout.splitlines():
            fields[line[:14].strip()] = line[15:]
        return fields

    def add(self, name, role, *extra):
        f = os.path.join(self.tmp, name + ".token")
        p = self.ctl_ok("agent", "add", name, "--role", role, "--token-file", f, *extra)
        with open(f) as fh:
            token = fh.read()
        self.assertTrue(token.endswith("\n"))
        token = token[:-1]
        self.assertRegex(token, TOKEN_RE)
        self.assertNotIn(token, p.stdout + p.stderr)
        self.assertNotIn(random_part(token), p.stdout + p.stderr)
        return f, token

    def test_add_list_show_grant_revoke_rm(self):
        f = os.path.join(self.tmp, "bot.token")
        p = self.ctl_ok("agent", "add", "bot", "--role", "executor", "--grant", "read_secrets",
                        "--description", "Builds things", "--token-file", f)
        self.assertEqual(p.stdout, "agent bot registered\n")
        self.assertIn("token written to %s (mode 0600)" % f, p.stderr)
        st = os.stat(f)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, oct(st.st_mode))
        with open(f) as fh:
            token = fh.read().rstrip("\n")
        self.assertRegex(token, TOKEN_RE)
        self.assertNotIn(token, p.stdout + p.stderr)

        # Without --token-file: the token on stdout, once, with a warning.
        p = self.ctl_ok("agent", "add", "obs", "--role", "observer")
        self.assertRegex(p.stdout, r"^mst_[0-9a-f]{8}_[A-Za-z0-9_-]{43}\n$")
        self.assertIn("shown once", p.stderr)
        obs_token = p.stdout.strip()
        self.assertHello("obs", obs_token)

        p = self.ctl_ok("agent", "list")
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "ROLE", "STATUS", "TRUST", "PERMISSIONS"],
                         p.stdout)
        rows = {l.split()[0]: l.split() for l in lines[1:]}
        self.assertEqual(sorted(rows), ["bot", "obs"], p.stdout)
        self.assertEqual(rows["bot"], ["bot", "executor", "active", "0.80",
                                       "read_files,write_files,execute_commands,network_access,read_secrets"])
        self.assertEqual(rows["obs"], ["obs", "observer", "active", "0.80", "read_files"])
        self.assertNotIn(token, p.stdout)

        listed = self.ctl_json("agent", "list")
        self.assertEqual(sorted(a["id"] for a in listed["agents"]), ["bot", "obs"])
        self.assertEqual({a["id"]: a for a in listed["agents"]}, self.agents())

        f_ = self.show_fields("bot")
        self.assertEqual(f_["id"], "bot")
        self.assertEqual(f_["role"], "executor")
        self.assertEqual(f_["status"], "active")
        self.assertEqual(f_["permissions"],
                         "read_files,write_files,execute_commands,network_access,read_secrets")
        self.assertEqual(f_["description"], "Builds things")
        self.assertEqual(f_["expires"], "never")
        self.assertEqual(f_["token expires"], "never")
        self.assertRegex(f_["created"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")
        self.assertEqual(self.ctl_json("agent", "show", "bot")["agent"], self.show("bot"))

        p = self.ctl_ok("agent", "grant", "obs", "write_files", "execute_commands")
        self.assertEqual(p.stdout, "agent obs now holds: read_files,write_files,execute_commands\n")
        p = self.ctl_ok("agent", "revoke", "obs", "read_files", "write_files")
        self.assertEqual(p.stdout, "agent obs now holds: execute_commands\n")
        p = self.ctl_ok("agent", "revoke", "obs", "execute_commands")
        self.assertEqual(p.stdout, "agent obs now holds: (nothing)\n")
        self.assertEqual(self.show("obs")["role"], "observer")
        self.assertEqual(self.show("bot")["permissions"],
                         ordered(ROLE_DEFAULTS["executor"] + ["read_secrets"]))
        r = self.ctl_json("agent", "grant", "obs", "provide_counsel")
        self.assertEqual(r["agent"]["permissions"], ["provide_counsel"])

        p = self.ctl_ok("agent", "rm", "obs")
        self.assertEqual(p.stdout, "agent obs deleted (its audit history stays)\n")
        p = self.ctl("agent", "show", "obs")
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertIn("no agent obs", p.stderr)
        self.assertIn("-32002", p.stderr)
        self.assertEqual(sorted(self.agents()), ["bot"])

    def test_suspend_resume_whoami_rotate(self):
        f, token = self.add("bot", "executor")
        p = self.ctl_ok("whoami")
        self.assertRegex(p.stdout, r"^uid %d pid \d+, not speaking for an agent: administrator\n$"
                         % os.getuid())
        who = self.ctl_json("whoami")
        self.assertIs(who["administrator"], True)
        self.assertIsNone(who["agent"])

        p = self.ctl_ok("--agent", "bot", "--token-file", f, "whoami")
        self.assertRegex(p.stdout, r"^agent bot \(executor\), from uid %d pid \d+\n$" % os.getuid())
        who = self.ctl_json("--agent", "bot", "--token-file", f, "whoami")
        self.assertIs(who["administrator"], False)
        self.assertEqual(who["agent"]["id"], "bot")

        p = self.ctl_ok("agent", "suspend", "bot", "under review")
        self.assertEqual(p.stdout, "agent bot suspended\n")
        self.assertEqual(self.show_fields("bot")["status"], "suspended: under review")
        p = self.ctl("--agent", "bot", "--token-file", f, "whoami")
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertEqual(p.stdout, "")
        self.assertIn("under review", p.stderr)
        self.assertIn("-32001", p.stderr)
        p = self.ctl_ok("agent", "resume", "bot")
        self.assertEqual(p.stdout, "agent bot resumed\n")
        self.assertEqual(self.show_fields("bot")["status"], "active")
        self.ctl_ok("--agent", "bot", "--token-file", f, "whoami")

        f2 = os.path.join(self.tmp, "bot.token.2")
        p = self.ctl_ok("agent", "rotate", "bot", "--token-file", f2)
        self.assertIn("token written to %s (mode 0600)" % f2, p.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(f2).st_mode), 0o600)
        with open(f2) as fh:
            token2 = fh.read().strip()
        self.assertRegex(token2, TOKEN_RE)
        self.assertNotEqual(token2, token)
        self.assertNotIn(token2, p.stdout + p.stderr)
        p = self.ctl("--agent", "bot", "--token-file", f, "whoami")
        self.assertEqual(p.returncode, 1, "the rotated-away token still works: %r" % (p.stdout,))
        self.assertIn("-32001", p.stderr)
        self.ctl_ok("--agent", "bot", "--token-file", f2, "whoami")
        # Rotation without --token-file prints the new token once.
        p = self.ctl_ok("agent", "rotate", "bot", "--token-expires", "1h")
        token3 = p.stdout.strip()
        self.assertRegex(token3, TOKEN_RE)
        self.assertIn("shown once", p.stderr)
        a = self.show("bot")
        self.assertTrue(a["token_created_at"] + 3599 <= a["token_expires_at"] <= a["token_created_at"] + 3601, a)
        self.assertHello("bot", token3)

    def test_add_options(self):
        r = self.ctl_json("agent", "add", "temp", "--role", "governance", "--expires", "1h",
                          "--token-expires", "15m", "--grant", "read_secrets",
                          "--grant", "network_access")
        a = r["agent"]
        self.assertRegex(r["token"], TOKEN_RE)
        self.assertEqual(a["permissions"], ordered(ROLE_DEFAULTS["governance"] +
                                                   ["read_secrets", "network_access"]))
        self.assertTrue(a["created_at"] + 3599 <= a["expires_at"] <= a["created_at"] + 3601, a)
        self.assertTrue(a["created_at"] + 899 <= a["token_expires_at"] <= a["created_at"] + 901, a)
        # Bad values are refused by maestrod with its message, exit status 1.
        p = self.ctl("agent", "add", "x", "--role", "wizard")
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        for role in ["wizard"] + ROLES:
            self.assertIn(role, p.stderr)
        p = self.ctl("agent", "add", "x", "--role", "observer", "--grant", "sudo")
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertIn("sudo", p.stderr)
        p = self.ctl("agent", "add", "temp", "--role", "observer")
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertIn("-32003", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(sorted(self.agents()), ["temp"])
        # Usage errors: exit status 2, nothing sent.
        for args in (("agent",), ("agent", "add", "y"), ("agent", "add", "--role", "observer"),
                     ("agent", "add", "y", "--role", "observer", "--expires", "soon"),
                     ("agent", "show"), ("agent", "grant", "temp"), ("agent", "frob", "temp"),
                     ("whoami", "extra")):
            with self.subTest(args=args):
                p = self.ctl(*args)
                self.assertEqual(p.returncode, 2, (p.stdout, p.stderr))
        self.assertEqual(sorted(self.agents()), ["temp"])

    def test_token_file_mode_when_file_exists(self):
        f = os.path.join(self.tmp, "pre.token")
        with open(f, "w") as fh:
            fh.write("old contents that are longer than any token would ever be, surely\n" * 3)
        os.chmod(f, 0o644)
        p = self.ctl_ok("agent", "add", "pre", "--role", "observer", "--token-file", f)
        self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600)
        with open(f) as fh:
            content = fh.read()
        self.assertRegex(content, r"^mst_[0-9a-f]{8}_[A-Za-z0-9_-]{43}\n$", "not truncated?")
        self.assertNotIn(content.strip(), p.stdout + p.stderr)

    # --token-file says where the secret goes; --json only changes how the
    # reply is printed. The token must still land in the 0600 file, and not
    # on stdout (a CI log, a terminal scrollback).
    def check_json_token_file(self, args, f):
        p = self.ctl_ok(*args, json_out=True)
        out = json.loads(p.stdout)
        self.assertEqual(out["agent"]["id"], "j")
        self.assertNotIn("token", out)
        self.assertEqual(out.get("token_file"), f, out)
        self.assertTrue(os.path.exists(f), "maestroctl --json %s did not write the token file; "
                        "it printed the token to stdout instead: %r" % (" ".join(args), p.stdout))
        self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600)
        with open(f) as fh:
            token = fh.read().strip()
        self.assertRegex(token, TOKEN_RE)
        self.assertNotIn(token, p.stdout, "the token went to stdout despite --token-file")
        self.assertHello("j", token)

    def test_token_file_with_json_add(self):
        f = os.path.join(self.tmp, "j.token")
        self.check_json_token_file(("agent", "add", "j", "--role", "observer", "--token-file", f), f)

    def test_token_file_with_json_rotate(self):
        self.ctl_ok("agent", "add", "j", "--role", "observer")
        f = os.path.join(self.tmp, "j.token")
        self.check_json_token_file(("agent", "rotate", "j", "--token-file", f), f)

    def test_token_sources(self):
        f, token = self.add("bot", "executor")
        wrong = os.path.join(self.tmp, "wrong.token")
        with open(wrong, "w") as fh:
            fh.write("mst_%s_%s\n" % (TOKEN_RE.match(token).group(1), "A" * 43))
        bot_re = r"^agent bot \(executor\), from uid %d pid \d+\n$" % os.getuid()

        # MAESTRO_TOKEN with --agent.
        p = self.ctl_ok("--agent", "bot", "whoami", env={"MAESTRO_TOKEN": token})
        self.assertRegex(p.stdout, bot_re)
        # MAESTRO_AGENT and MAESTRO_TOKEN.
        p = self.ctl_ok("whoami", env={"MAESTRO_TOKEN": token, "MAESTRO_AGENT": "bot"})
        self.assertRegex(p.stdout, bot_re)
        # --token-file wins over MAESTRO_TOKEN, either way round.
        p = self.ctl_ok("--agent", "bot", "--token-file", f, "whoami",
                        env={"MAESTRO_TOKEN": "mst_00000000_nope"})
        self.assertRegex(p.stdout, bot_re)
        p = self.ctl("--agent", "bot", "--token-file", wrong, "whoami",
                     env={"MAESTRO_TOKEN": token})
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertIn("-32001", p.stderr)

        # The agent's file under $XDG_CONFIG_HOME/maestro/tokens/.
        xdg = os.path.join(self.tmp, "xdg")
        os.makedirs(os.path.join(xdg, "maestro", "tokens"))
        with open(os.path.join(xdg, "maestro", "tokens", "bot"), "w") as fh:
            fh.write(token + "\n")
        p = self.ctl_ok("--agent", "bot", "whoami", env={"XDG_CONFIG_HOME": xdg})
        self.assertRegex(p.stdout, bot_re)
        p = self.ctl_ok("whoami", env={"XDG_CONFIG_HOME": xdg, "MAESTRO_AGENT": "bot"})
        self.assertRegex(p.stdout, bot_re)
        # ... and under ~/.config/maestro/tokens/ without XDG_CONFIG_HOME.
        home = os.path.join(self.tmp, "home")
        os.makedirs(os.path.join(home, ".config", "maestro", "tokens"))
        with open(os.path.join(home, ".config", "maestro", "tokens", "bot"), "w") as fh:
            fh.write(token + "\n")
        p = self.ctl_ok("--agent", "bot", "whoami", env={"XDG_CONFIG_HOME": None, "HOME": home})
        self.assertRegex(p.stdout, bot_re)
        # XDG_CONFIG_HOME set: HOME is not consulted.
        p = self.ctl("--agent", "bot", "whoami",
                     env={"XDG_CONFIG_HOME": os.path.join(self.tmp, "empty"), "HOME": home})
        self.assertEqual(p.returncode, 2, (p.stdout, p.stderr))
        # No token anywhere: a usage error that says where to put one.
        p = self.ctl("--agent", "bot", "whoami",
                     env={"XDG_CONFIG_HOME": os.path.join(self.tmp, "empty"),
                          "HOME": os.path.join(self.tmp, "nohome")})
        self.assertEqual(p.returncode, 2, (p.stdout, p.stderr))
        self.assertIn("no token for agent bot", p.stderr)
        self.assertEqual(p.stdout, "")

        # Speaking for an agent, maestroctl cannot administer.
        p = self.ctl("--agent", "bot", "--token-file", f, "agent", "list")
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertIn("-32000", p.stderr)
        self.assertEqual(p.stdout, "")
        p = self.ctl("agent", "add", "evil", "--role", "observer",
                     env={"MAESTRO_TOKEN": token, "MAESTRO_AGENT": "bot"})
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertIn("-32000", p.stderr)
        p = self.ctl("reload", env={"MAESTRO_TOKEN": token, "MAESTRO_AGENT": "bot"})
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertIn("-32000", p.stderr)
        self.assertEqual(sorted(self.agents()), ["bot"])


# ---------------------------------------------------------------------------


class Restart(AgentCase):
    def test_everything_survives_a_restart(self):
        a = self.register("alpha", "executor", permissions=["read_secrets"])
        self.ok(self.d.call("agent.revoke", {"id": "alpha", "permissions": ["network_access"]}))
        b = self.register("beta", "observer")
        self.ok(self.d.call("agent.suspend", {"id": "beta", "reason": "paused for audit"}))
        c = self.register("gamma", "counselor", description="Second opinions",
                          expires_in=86400, token_expires_in=3600)
        time.sleep(1.05)
        c2 = self.ok(self.d.call("agent.rotate_token", {"id": "gamma", "token_expires_in": 7200}))
        self.register("delta", "governance")
        self.ok(self.d.call("agent.delete", {"id": "delta"}))
        e = self.register("epsilon", "governance")
        self.ok(self.d.call("agent.suspend", {"id": "epsilon"}))
        self.ok(self.d.call("agent.resume", {"id": "epsilon"}))
        before = self.agents()
        self.assertEqual(sorted(before), ["alpha", "beta", "epsilon", "gamma"])
        audit_before = self.audit()
        self.d.stop()

        d2 = self.new_daemon(socket_path=self.d.socket_path, db_path=self.d.db_path,
                             config_path=self.d.config_path, write_config=False,
                             name="maestrod-restarted").start()
        self.d = d2
        after = self.agents()
        self.assertEqual(after, before, "the agents changed across a restart")
        self.assertEqual(after["alpha"]["permissions"],
                         ["read_files", "write_files", "execute_commands", "read_secrets"])
        self.assertEqual(after["beta"]["status"], "suspended")
        self.assertEqual(after["beta"]["suspend_reason"], "paused for audit")
        self.assertEqual(after["gamma"]["description"], "Second opinions")
        self.assertEqual(after["epsilon"]["status"], "active")
        self.assertNotIn("suspend_reason", after["epsilon"])
        # The audit trail is still there, in order.
        self.assertEqual(self.audit()[:len(audit_before)], audit_before)

        # Old tokens still work (same instance, same key) ...
        self.assertHello("alpha", a["token"])
        self.assertHello("gamma", c2["token"])
        self.assertHello("epsilon", e["token"])
        # ... and what was refused before still is.
        conn, r = self.hello("gamma", c["token"])
        self.err(r, E_UNAUTHENTICATED, "unknown agent or wrong token")
        conn, r = self.hello("beta", b["token"])
        self.err(r, E_UNAUTHENTICATED, "suspended", "paused for audit")
        conn, r = self.hello("delta", a["token"])
        self.err(r, E_UNAUTHENTICATED)
        # New tokens carry the same instance tag.
        f = self.register("phi", "observer")
        self.assertEqual(TOKEN_RE.match(f["token"]).group(1), TOKEN_RE.match(a["token"]).group(1))
        # Changes after the restart work and stick.
        self.ok(self.d.call("agent.resume", {"id": "beta"}))
        self.assertHello("beta", b["token"])


# ---------------------------------------------------------------------------


class Secrecy(AgentCase):
    """A token is shown once and kept only as a keyed hash."""

    def files(self):
        out = {}
        for suffix in ("", "-wal", "-shm", "-journal"):
            p = self.d.db_path + suffix
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out[os.path.basename(p)] = f.read()
        return out

    def assertNowhere(self, tokens, when):
        needles = []
        for t in tokens:
            needles += [("token", t.encode()), ("random part", random_part(t).encode()),
                        ("random bytes", token_bytes(t))]
        files = self.files()
        self.assertIn("maestro.db", files)
        if self.d.alive():
            # WAL mode: the latest pages sit in the -wal file while maestrod runs.
            self.assertIn("maestro.db-wal", files)
            self.assertIn("maestro.db-shm", files)
        for name, data in files.items():
            for what, n in needles:
                self.assertNotIn(n, data, "%s: the %s of a token is in %s" % (when, what, name))
        log = self.d.log().encode()
        for what, n in needles:
            if what != "random bytes":
                self.assertNotIn(n, log, "%s: the %s of a token is in the daemon's log" % (when, what))

    def test_token_appears_nowhere(self):
        self.assertEqual(self.d.cmd[self.d.cmd.index("--log-level") + 1], "debug")
        tokens = []
        r = self.register("bot", "executor", description="keeps secrets")
        tokens.append(r["token"])
        tokens.append(self.register("obs", "observer", token_expires_in=3600)["token"])
        rot = self.ok(self.d.call("agent.rotate_token", {"id": "obs"}))
        tokens.append(rot["token"])
        # Use them: a hello, a one-shot call, failures that quote nearly right tokens.
        self.assertHello("bot", tokens[0])
        with self.d.connect() as c:
            self.ok(c.call("system.ping", {"auth": {"agent": "obs", "token": tokens[2]}}))
        near = tokens[0][:-1] + ("A" if tokens[0][-1] != "A" else "B")
        c, h = self.hello("bot", near)
        self.err(h, E_UNAUTHENTICATED)
        c, h = self.hello("obs", tokens[1])  # rotated away
        self.err(h, E_UNAUTHENTICATED)
        with self.d.connect() as c:
            self.err(c.call("agent.list", {"auth": {"agent": "bot", "token": near}}),
                     E_UNAUTHENTICATED)
        # Through maestroctl with a token file.
        f = os.path.join(self.tmp, "cli.token")
        p = self.d.ctl("agent", "add", "cli", "--role", "observer", "--token-file", f,
                       env=ctl_env())
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(f) as fh:
            tokens.append(fh.read().strip())
        p = self.d.ctl("--agent", "cli", "--token-file", f, "whoami", env=ctl_env())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.ok(self.d.call("agent.delete", {"id": "cli"}))
        tokens.append(near)

        # Audit rows: none holds a token, in any column.
        rows = self.d.sqlite_rows("SELECT * FROM audit")
        self.assertTrue(any("session.auth_failed" in map(str, r) for r in rows), rows)
        for row in rows:
            text = " ".join(map(str, row))
            for t in tokens:
                self.assertNotIn(t, text, row)
                self.assertNotIn(random_part(t), text, row)
        # The register row does describe the agent, without its token.
        reg = self.audit(where="event = 'agent.register'")[0]
        self.assertEqual(reg["detail"]["agent"], "bot")
        self.assertNotIn("token", json.dumps(reg["detail"]))

        self.assertNowhere(tokens, "while maestrod runs")
        self.d.stop()
        self.assertNowhere(tokens, "after maestrod stopped")

    def test_stored_as_keyed_blake2b(self):
        toks = {"k1": self.register("k1", "observer")["token"],
                "k2": self.register("k2", "executor")["token"]}
        rows = dict(self.d.sqlite_rows("SELECT id, token_hash FROM agents"))
        (instance_id, key), = self.d.sqlite_rows("SELECT instance_id, token_key FROM instance")
        self.assertRegex(instance_id, r"^[0-9a-f]{32}$")
        self.assertEqual(len(key), 32)
        for id, tok in toks.items():
            self.assertEqual(TOKEN_RE.match(tok).group(1), instance_id[:8])
            h = rows[id]
            self.assertIsInstance(h, bytes)
            self.assertEqual(len(h), 32)
            self.assertEqual(h, hashlib.blake2b(tok.encode(), digest_size=32, key=key).digest(),
                             "the stored hash is not BLAKE2b-256 of the token keyed with "
                             "this instance's key")
            self.assertNotEqual(h, hashlib.blake2b(tok.encode(), digest_size=32).digest())
            self.assertNotEqual(h, hashlib.sha256(tok.encode()).digest())
        self.assertNotEqual(rows["k1"], rows["k2"])


# ---------------------------------------------------------------------------


class Refusals(AgentCase):
    """Every way to present a bad token: -32001, an audit row, and no session."""

    def refused(self, agent, token, *contains, one_shot_method="system.ping"):
        """Refused by session.hello and by one-shot auth; one audit row each.
        Returns the hello's message."""
        seq = self.last_seq()
        c, r = self.hello(agent, token)
        msg = self.err(r, E_UNAUTHENTICATED, "unauthenticated", *contains)
        self.assertAuthFailedRow(seq, agent, "session.hello", contains[0] if contains else "")
        # Not bound: whoami still says administrator, and the connection serves.
        who = self.ok(c.call("session.whoami"))
        self.assertIs(who["administrator"], True, who)
        self.assertIsNone(who["agent"])
        c.close()

        seq = self.last_seq()
        with self.d.connect() as c:
            r = c.call(one_shot_method, {"auth": {"agent": agent, "token": token}})
            self.err(r, E_UNAUTHENTICATED, "unauthenticated", *contains)
        self.assertAuthFailedRow(seq, agent, one_shot_method, contains[0] if contains else "")
        return msg

    def test_wrong_tokens(self):
        good = self.register("bot", "executor")["token"]
        other = self.register("other", "executor")["token"]
        tag = TOKEN_RE.match(good).group(1)
        m1 = self.refused("bot", other, "unknown agent or wrong token")
        m2 = self.refused("bot", "mst_%s_%s" % (tag, "x" * 43), "unknown agent or wrong token")
        m3 = self.refused("bot", good[:-1] + ("a" if good[-1] != "a" else "b"),
                          "unknown agent or wrong token")
        # An unknown agent is told apart from a wrong token by nothing.
        m4 = self.refused("nobody-here", good, "unknown agent or wrong token")
        self.assertEqual(len({m1, m2, m3, m4}), 1, (m1, m2, m3, m4))
        # A token cut short or grown is not a token at all.
        self.refused("bot", good[:-1], "malformed")
        self.refused("bot", good + "a", "malformed")
        self.assertHello("bot", good)

    def test_malformed_tokens(self):
        self.register("bot", "executor")
        for tok in ("hunter2", "", "mst_", "MST_12345678_" + "a" * 43, "mst_1234567_" + "a" * 43,
                    "mst_" + "a" * 200):
            with self.subTest(token=tok):
                self.refused("bot", tok, "malformed")

    def test_expired_token_and_expired_agent(self):
        t0 = time.monotonic()
        tok = self.register("shortlived", "observer", token_expires_in=1)["token"]
        tok2 = self.register("ephemeral", "observer", expires_in=1)["token"]
        if time.monotonic() - t0 < 0.5:
            # Fresh, they work.
            with self.d.connect() as c:
                self.ok(c.call("session.whoami", {"auth": {"agent": "shortlived", "token": tok}}))
                self.ok(c.call("session.whoami", {"auth": {"agent": "ephemeral", "token": tok2}}))
        time.sleep(max(0.0, 1.5 - (time.monotonic() - t0)))
        self.refused("shortlived", tok, "token of agent shortlived expired")
        self.refused("ephemeral", tok2, "agent ephemeral expired")
        # Rotation gives the expired-token agent a working token again.
        new = self.ok(self.d.call("agent.rotate_token", {"id": "shortlived"}))["token"]
        self.assertHello("shortlived", new)

    def test_deleted_agent(self):
        tok = self.register("bot", "executor")["token"]
        self.ok(self.d.call("agent.delete", {"id": "bot"}))
        self.refused("bot", tok, "unknown agent or wrong token")

    def test_suspended_agent(self):
        tok = self.register("bot", "executor")["token"]
        self.ok(self.d.call("agent.suspend", {"id": "bot", "reason": "caught exfiltrating"}))
        self.refused("bot", tok, "suspended", "caught exfiltrating")

    def test_rotated_token(self):
        old = self.register("bot", "executor")["token"]
        bound = self.assertHello("bot", old)
        # Before the rotation, the bound connection is refused administration as an agent.
        self.err(bound.call("agent.list"), E_UNAUTHORIZED, "speaks for agent bot")
        time.sleep(0.01)
        new = self.ok(self.d.call("agent.rotate_token", {"id": "bot"}))["token"]
        self.refused("bot", old, "unknown agent or wrong token")
        # The connection bound with the old token: its next checked call is
        # refused as unauthenticated, and it cannot say hello again with the old token.
        self.err(bound.call("agent.list"), E_UNAUTHENTICATED, "rotated")
        r = bound.call("session.hello", {"agent": "bot", "token": old})
        self.assertIn("error", r, "a connection said hello with a rotated-away token: %r" % r)
        r = bound.call("session.whoami", {"auth": {"agent": "bot", "token": old}})
        self.assertIn("error", r, r)
        self.err(bound.call("agent.list"), E_UNAUTHENTICATED, "rotated")
        self.assertHello("bot", new)
        # The refusal said "say hello again": with the new token, the lapsed
        # connection speaks for bot again (and is refused administration as such).
        self.ok(bound.call("session.hello", {"agent": "bot", "token": new}))
        self.err(bound.call("agent.list"), E_UNAUTHORIZED, "speaks for agent bot")

    def test_bound_connection_after_delete_and_suspend(self):
        tok = self.register("bot", "executor")["token"]
        bound = self.assertHello("bot", tok)
        self.ok(self.d.call("agent.suspend", {"id": "bot", "reason": "hold on"}))
        self.err(bound.call("agent.list"), E_UNAUTHENTICATED, "suspended", "hold on")
        self.ok(self.d.call("agent.resume", {"id": "bot"}))
        self.err(bound.call("agent.list"), E_UNAUTHORIZED)
        self.ok(self.d.call("agent.delete", {"id": "bot"}))
        self.err(bound.call("agent.list"), E_UNAUTHENTICATED, "no longer exists")

    def test_token_from_another_instance(self):
        here = self.register("bot", "executor")["token"]
        other_dir = os.path.join(self.tmp, "other")
        os.mkdir(other_dir)
        d2 = self.start_daemon(other_dir, name="maestrod-other")
        there = self.register("bot", "executor", d=d2)["token"]
        tag_here, tag_there = TOKEN_RE.match(here).group(1), TOKEN_RE.match(there).group(1)
        if tag_here == tag_there:
            self.skipTest("the two instances drew the same 32-bit tag (1 in 4 billion)")
        self.refused("bot", there, "another maestrod instance")
        # And the other way round.
        c, r = self.hello("bot", here, d=d2)
        self.err(r, E_UNAUTHENTICATED, "another maestrod instance")
        self.assertHello("bot", here)
        self.assertHello("bot", there, d=d2)

    def test_three_failed_hellos_close_the_connection(self):
        tok = self.register("bot", "executor")["token"]
        seq = self.last_seq()
        with self.d.connect() as c:
            for i in range(2):
                self.err(c.call("session.hello", {"agent": "bot", "token": "mst_nope"}),
                         E_UNAUTHENTICATED)
                self.assertServes(c, "after-%d" % i)
            self.err(c.call("session.hello", {"agent": "bot", "token": "mst_nope"}),
                     E_UNAUTHENTICATED)
            c.expect_closed()
        rows = self.wait_rows(seq, 3)
        self.assertEqual([r["event"] for r in rows], ["session.auth_failed"] * 3, rows)
        self.assertEqual({(r["peer_uid"], r["peer_pid"]) for r in rows}, {(os.getuid(), os.getpid())})
        self.assertIn("authentication failed for agent bot from uid %d pid %d"
                      % (os.getuid(), os.getpid()), self.d.log())
        # One-shot failures count too, mixed with hellos.
        with self.d.connect() as c:
            self.err(c.call("session.hello", {"agent": "bot", "token": "x"}), E_UNAUTHENTICATED)
            self.err(c.call("system.ping", {"auth": {"agent": "bot", "token": "x"}}),
                     E_UNAUTHENTICATED)
            self.assertServes(c)
            self.err(c.call("agent.list", {"auth": {"agent": "bot", "token": "x"}}),
                     E_UNAUTHENTICATED)
            c.expect_closed()
        # Two failures, then the right token: bound.
        with self.d.connect() as c:
            for _ in range(2):
                self.err(c.call("session.hello", {"agent": "bot", "token": "x"}),
                         E_UNAUTHENTICATED)
            self.ok(c.call("session.hello", {"agent": "bot", "token": tok}))
            self.assertEqual(self.ok(c.call("session.whoami"))["agent"]["id"], "bot")
            self.assertServes(c)
        # The daemon is fine and others are unaffected.
        self.assertHello("bot", tok)


# ---------------------------------------------------------------------------


class AgentsCannotAdminister(AgentCase):
    def snapshot(self):
        rows = self.audit(where="event LIKE 'agent.%' OR event = 'config.reload'")
        return self.agents(), len(rows)

    def attempts(self, self_id):
        return [
            ("agent.register", {"id": "newcomer", "role": "executor"}),
            ("agent.list", None),
            ("agent.show", {"id": self_id}),
            ("agent.grant", {"id": self_id, "permissions": ["read_secrets"]}),
            ("agent.grant", {"id": "other", "permissions": ["read_secrets"]}),
            ("agent.revoke", {"id": "other", "permissions": ["read_files"]}),
            ("agent.suspend", {"id": "other", "reason": "mine now"}),
            ("agent.resume", {"id": "other"}),
            ("agent.rotate_token", {"id": self_id}),
            ("agent.delete", {"id": "other"}),
            ("agent.delete", {"id": self_id}),
            ("system.reload", None),
        ]

    def test_bound_connection(self):
        tok = self.register("bot", "observer")["token"]
        self.register("other", "executor")
        self.d.write_config("# changed\n")
        before = self.snapshot()
        c = self.assertHello("bot", tok)
        for method, params in self.attempts("bot"):
            with self.subTest(method=method, params=params):
                self.err(c.call(method, params), E_UNAUTHORIZED, method, "administrative",
                         "agent bot")
        self.assertEqual(self.snapshot(), before, "an agent-bound connection changed something")
        who = self.ok(c.call("session.whoami"))
        self.assertIs(who["administrator"], False)
        self.assertServes(c)
        # Nothing happened to the token either.
        self.assertHello("bot", tok)

    def test_one_shot_auth(self):
        tok = self.register("bot", "observer")["token"]
        self.register("other", "executor")
        before = self.snapshot()
        with self.d.connect() as c:
            for method, params in self.attempts("bot"):
                p = dict(params or {})
                p["auth"] = {"agent": "bot", "token": tok}
                with self.subTest(method=method, params=params):
                    self.err(c.call(method, p), E_UNAUTHORIZED, method, "administrative",
                             "agent bot")
            self.assertEqual(self.snapshot(), before, "a call with agent auth changed something")
            # The same connection without auth is an administrator's.
            who = self.ok(c.call("session.whoami"))
            self.assertIs(who["administrator"], True)
            self.assertEqual(sorted(a["id"] for a in self.ok(c.call("agent.list"))["agents"]),
                             ["bot", "other"])
        self.assertHello("bot", tok)

    def test_one_shot_auth_invalid_id_refused_like_hello(self):
        # session.hello checks the agent id before anything else (-32602);
        # "auth" names an agent just the same and must be checked the same way.
        for id in ("Bad Agent", "uid:0", "x" * 100000):
            with self.subTest(id=id[:20]):
                c, r = self.hello(id, "mst_whatever")
                self.err(r, RPC_INVALID_PARAMS, "not a valid agent id")
                with self.d.connect() as c:
                    r = c.call("system.ping", {"auth": {"agent": id, "token": "mst_whatever"}})
                    self.err(r, RPC_INVALID_PARAMS, "not a valid agent id")

    def test_auth_failed_actor_is_the_peer(self):
        # The actor of a failed authentication is the uid the kernel saw
        # connect, never the name the client claimed: a client must not get
        # to write "maestrod" (the daemon's own actor), "uid:0" or 100 kB
        # of filler into the actor column.
        seq = self.last_seq()
        for id in ("uid:0", "Bad Agent\u2028", "x" * 100000):
            with self.d.connect() as c:
                r = c.call("system.ping", {"auth": {"agent": id, "token": "mst_whatever"}})
                self.err(r, RPC_INVALID_PARAMS, "not a valid agent id")
        claimed = ("maestrod", "someone-else")
        for id in claimed:
            c, r = self.hello(id, "mst_whatever")
            self.err(r, E_UNAUTHENTICATED)
            with self.d.connect() as c:
                r = c.call("system.ping", {"auth": {"agent": id, "token": "mst_whatever"}})
                self.err(r, E_UNAUTHENTICATED)
        rows = self.wait_rows(seq, 2 * len(claimed))
        self.assertEqual([(r["event"], r["actor"], r["detail"]["agent"]) for r in rows],
                         [("session.auth_failed", "uid:%d" % os.getuid(), id)
                          for id in claimed for _ in range(2)],
                         "the actor of a failed authentication is not the peer's uid")

    def test_auth_param_shape_and_conflicts(self):
        tok = self.register("bot", "observer")["token"]
        with self.d.connect() as c:
            for auth in ("bot", {"agent": "bot"}, {"token": tok}, {"agent": 1, "token": tok},
                         {"agent": "bot", "token": tok, "extra": 1}, None, []):
                with self.subTest(auth=auth):
                    self.err(c.call("agent.list", {"auth": auth}), RPC_INVALID_PARAMS, "auth")
        # A bound connection cannot speak for an agent twice.
        self.register("two", "observer")
        c = self.assertHello("bot", tok)
        self.err(c.call("session.whoami", {"auth": {"agent": "bot", "token": tok}}), E_CONFLICT)
        self.err(c.call("session.hello", {"agent": "bot", "token": tok}), E_CONFLICT, "bot")
        self.assertEqual(self.ok(c.call("session.whoami"))["agent"]["id"], "bot")


# ---------------------------------------------------------------------------


class PeerNotAllowed(AgentCase):
    """A uid maestrod does not admit is refused at connect, token or not."""

    def setUp(self):
        MaestroTestCase.setUp(self)
        if os.geteuid() != 0:
            self.skipTest("needs root to run a client as another user (nobody)")
        try:
            self.nobody = pwd.getpwnam("nobody")
        except KeyError:
            self.skipTest("no 'nobody' user on this machine")
        os.chmod(self.tmp, 0o755)
        pub = os.path.join(self.tmp, "pub")
        os.mkdir(pub, 0o755)
        os.chmod(pub, 0o755)
        self.d = self.start_daemon(socket_path=os.path.join(pub, "maestrod.sock"))
        self.d.wait_audit_committed(1)
        os.chmod(self.d.socket_path, 0o666)

    def test_valid_token_from_disallowed_uid(self):
        tok = self.register("bot", "executor")["token"]
        seq = self.last_seq()
        n = self.nobody
        for lines in ([encode(request("session.hello", {"agent": "bot", "token": tok}, id=1))],
                      [encode(request("session.whoami", {"auth": {"agent": "bot", "token": tok}},
                                      id=1))]):
            res = harness.talk_as(n.pw_uid, n.pw_gid, [], self.d.socket_path, lines)
            self.assertNotIn("error", res, res)
            self.assertEqual(len(res["lines"]), 1, res)
            reply = json.loads(res["lines"][0])
            self.err(reply, E_UNAUTHORIZED, "uid %d" % n.pw_uid)
            self.assertIsNone(reply["id"], reply)
            self.assertTrue(res["closed"], res)
        # Nothing about the agent reached the audit trail as a success or a session.
        rows = self.rows_since(seq)
        self.assertFalse([r for r in rows if r["event"].startswith("agent.")], rows)

        # maestroctl as nobody, with the token in its environment.
        try:
            probe = self.d.ctl("--version", user="nobody")
        except PermissionError:
            probe = None
        if probe is None or probe.returncode != 0:
            return  # nobody cannot run maestroctl from here; the raw check stands
        p = self.d.ctl("--agent", "bot", "whoami", user="nobody",
                       env=ctl_env(MAESTRO_TOKEN=tok))
        self.assertEqual(p.returncode, 5, (p.stdout, p.stderr))
        self.assertIn("unauthorized", p.stderr)
        self.assertEqual(p.stdout, "")


# ---------------------------------------------------------------------------


class InvalidParams(AgentCase):
    def assertNoChange(self, seq):
        rows = [r for r in self.rows_since(seq) if r["event"].startswith("agent.")]
        self.assertEqual(rows, [], "a refused call wrote an audit row")

    def test_invalid_ids(self):
        self.register("valid", "observer")
        self.register("a" * 64, "observer")  # the longest id
        self.register("0.x_y-z", "observer")
        seq = self.last_seq()
        bad = ["Bot", "BOT", ".bot", "-bot", "_bot", "a" * 65, "", "my bot", " bot", "bot ",
               "b\u00f8t", "\u00e9", "bot\u2028", "bot\n", "bot/../x", "bot:1", "\U0001F916"]
        for id in bad:
            with self.subTest(id=id):
                for method, extra in (("agent.register", {"role": "observer"}),
                                      ("agent.show", {}), ("agent.delete", {}),
                                      ("agent.grant", {"permissions": ["read_files"]}),
                                      ("agent.suspend", {})):
                    p = {"id": id}
                    p.update(extra)
                    msg = self.err(self.d.call(method, p), RPC_INVALID_PARAMS,
                                   "not a valid agent id")
                    self.assertIn('"%s"' % id, msg)
                c, r = self.hello(id, "mst_whatever")
                self.err(r, RPC_INVALID_PARAMS, "not a valid agent id")
        # A long id cut short in a message must not cut a character in two:
        # every reply is valid UTF-8 (read_json would fail on it otherwise).
        for id in ("a" * 79 + "\u00e9", "a" * 78 + "\u20ac", "a" * 77 + "\U0001F916" * 3):
            with self.subTest(id=id):
                msg = self.err(self.d.call("agent.register", {"id": id, "role": "observer"}),
                               RPC_INVALID_PARAMS, "not a valid agent id")
                self.assertIn("a" * 70, msg)
        self.assertEqual(sorted(self.agents()), ["0.x_y-z", "a" * 64, "valid"])
        self.assertNoChange(seq)

    def test_unknown_roles_and_permissions(self):
        seq = self.last_seq()
        for role in ("admin", "Executor", "", "executor ", "r\u00f4le"):
            with self.subTest(role=role):
                msg = self.err(self.d.call("agent.register", {"id": "x", "role": role}),
                               RPC_INVALID_PARAMS, 'unknown role "%s"' % role)
                for known in ROLES:
                    self.assertIn(known, msg)
        self.err(self.d.call("agent.register", {"id": "x"}), RPC_INVALID_PARAMS, "role")
        self.register("bot", "observer")
        seq = self.last_seq()
        for perm in ("sudo", "READ_FILES", "", "read_files ", "read-files", "r\u00e9ad"):
            for method, p in (("agent.register", {"id": "y", "role": "observer"}),
                              ("agent.grant", {"id": "bot"}), ("agent.revoke", {"id": "bot"})):
                with self.subTest(perm=perm, method=method):
                    p = dict(p, permissions=["read_files", perm])
                    msg = self.err(self.d.call(method, p), RPC_INVALID_PARAMS,
                                   'unknown permission "%s"' % perm)
                    for known in ALL_PERMISSIONS:
                        self.assertIn(known, msg)
        # A long unknown permission with a character cut at the quote limit.
        msg = self.err(self.d.call("agent.grant", {"id": "bot", "permissions": ["p" * 63 + "\u00e9x"]}),
                       RPC_INVALID_PARAMS, "unknown permission")
        for method in ("agent.grant", "agent.revoke"):
            self.err(self.d.call(method, {"id": "bot", "permissions": []}), RPC_INVALID_PARAMS,
                     "at least one")
            self.err(self.d.call(method, {"id": "bot"}), RPC_INVALID_PARAMS, "permissions")
        self.assertEqual(self.show("bot")["permissions"], ["read_files"])
        self.assertEqual(sorted(self.agents()), ["bot"])
        self.assertNoChange(seq)

    def test_duplicate_and_unknown(self):
        first = self.register("bot", "observer", description="the first")
        seq = self.last_seq()
        for role in ("observer", "executor"):
            self.err(self.d.call("agent.register", {"id": "bot", "role": role}), E_CONFLICT,
                     "bot", "already exists")
        self.assertEqual(self.show("bot"), first["agent"])
        self.assertHello("bot", first["token"])
        for method, extra in (("agent.show", {}), ("agent.grant", {"permissions": ["read_files"]}),
                              ("agent.revoke", {"permissions": ["read_files"]}),
                              ("agent.suspend", {"reason": "x"}), ("agent.resume", {}),
                              ("agent.rotate_token", {}), ("agent.delete", {})):
            with self.subTest(method=method):
                p = {"id": "ghost"}
                p.update(extra)
                self.err(self.d.call(method, p), E_NOT_FOUND, "no agent ghost")
        self.assertNoChange(seq)
        # rm through maestroctl too.
        p = self.d.ctl("agent", "rm", "ghost", env=ctl_env())
        self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
        self.assertIn("-32002", p.stderr)

    def test_wrong_types_and_values(self):
        self.register("bot", "observer")
        seq = self.last_seq()
        reg = {"id": "x", "role": "observer"}
        cases = [
            ("agent.register", {"id": 5, "role": "observer"}, '"id" must be a string'),
            ("agent.register", {"id": None, "role": "observer"}, "id"),
            ("agent.register", {"id": ["x"], "role": "observer"}, "id"),
            ("agent.register", {"id": "x", "role": 1}, '"role" must be a string'),
            ("agent.register", dict(reg, permissions="read_files"), '"permissions" must be an array'),
            ("agent.register", dict(reg, permissions=[1]), "array of strings"),
            ("agent.register", dict(reg, permissions=[None]), "array of strings"),
            ("agent.register", dict(reg, permissions=[["read_files"]]), "array of strings"),
            ("agent.register", dict(reg, description=5), '"description" must be a string'),
            ("agent.register", dict(reg, description="two\nlines"), "description"),
            ("agent.register", dict(reg, description="x" * 1025), "description"),
            ("agent.register", dict(reg, expires_in="60"), "expires_in"),
            ("agent.register", dict(reg, expires_in=1.5), "expires_in"),
            ("agent.register", dict(reg, expires_in=0), "expires_in"),
            ("agent.register", dict(reg, expires_in=-5), "expires_in"),
            ("agent.register", dict(reg, expires_in=10 ** 12), "expires_in"),
            ("agent.register", dict(reg, token_expires_in=True), "token_expires_in"),
            ("agent.register", dict(reg, token_expires_in=0), "token_expires_in"),
            ("agent.register", dict(reg, colour="blue"), 'unknown parameter "colour"'),
            ("agent.register", {"role": "observer"}, 'missing "id"'),
            ("agent.show", {}, 'missing "id"'),
            ("agent.show", {"id": 7}, '"id" must be a string'),
            ("agent.grant", {"id": "bot", "permissions": "read_files"}, "permissions"),
            ("agent.grant", {"id": "bot", "permissions": {"read_files": True}}, "permissions"),
            ("agent.suspend", {"id": "bot", "reason": 3}, "reason"),
            ("agent.suspend", {"id": "bot", "reason": "bell\x07"}, "reason"),
            ("agent.rotate_token", {"id": "bot", "token_expires_in": "1h"}, "token_expires_in"),
            ("agent.rotate_token", {"id": "bot", "token_expires_in": 0}, "token_expires_in"),
            ("agent.delete", {"id": "bot", "force": True}, 'unknown parameter "force"'),
            ("agent.list", {"all": True}, "takes no params"),
            ("session.hello", {"agent": "bot"}, 'missing "token"'),
            ("session.hello", {"agent": "bot", "token": 5}, '"token" must be a string'),
            ("session.hello", {"token": "mst_x"}, 'missing "agent"'),
            ("agent.register", ["x", "observer"], "object"),
        ]
        for method, params, text in cases:
            with self.subTest(method=method, params=params):
                self.err(self.d.call(method, params), RPC_INVALID_PARAMS, text)
        # The bounds themselves are fine.
        a = self.register("edge", "observer", description="d" * 1024, expires_in=1,
                          token_expires_in=10 * 365 * 24 * 3600)["agent"]
        self.assertEqual(len(a["description"]), 1024)
        self.assertEqual(self.show("bot")["permissions"], ["read_files"])
        self.assertEqual(self.show("bot")["status"], "active")
        self.assertEqual(sorted(self.agents()), ["bot", "edge"])
        rows = [r for r in self.rows_since(seq) if r["event"].startswith("agent.")]
        self.assertEqual([(r["event"], r["detail"]["agent"]) for r in rows],
                         [("agent.register", "edge")])


# ---------------------------------------------------------------------------


class Audit(AgentCase):
    def change(self, method, params):
        """One call on a raw connection; exactly one new row, for it."""
        before = self.audit()
        with self.d.connect() as c:
            res = self.ok(c.call(method, params))
        after = self.audit()
        self.assertEqual(after[:len(before)], before, "earlier audit rows changed")
        new = after[len(before):]
        self.assertEqual(len(new), 1, "%s wrote %d audit rows: %r" % (method, len(new), new))
        row = new[0]
        self.assertEqual(row["event"], method, row)
        self.assertEqual(row["actor"], "uid:%d" % os.getuid(), row)
        self.assertEqual(row["peer_uid"], os.getuid(), row)
        self.assertEqual(row["peer_pid"], os.getpid(), row)
        self.assertEqual(row["seq"], res["audit_seq"], (row, res))
        self.assertEqual(row["detail"].get("agent"), params["id"], row)
        return res, row

    def test_one_row_per_change(self):
        res, row = self.change("agent.register", {"id": "bot", "role": "counselor",
                                                  "permissions": ["read_secrets"]})
        self.assertEqual(row["detail"]["role"], "counselor")
        self.assertEqual(row["detail"]["permissions"],
                         ordered(ROLE_DEFAULTS["counselor"] + ["read_secrets"]))
        tok = res["token"]
        res, row = self.change("agent.grant", {"id": "bot", "permissions": ["network_access"]})
        self.assertEqual(row["detail"]["granted"], ["network_access"])
        self.assertIn("network_access", row["detail"]["permissions"])
        res, row = self.change("agent.revoke", {"id": "bot", "permissions": ["read_secrets"]})
        self.assertEqual(row["detail"]["revoked"], ["read_secrets"])
        self.assertNotIn("read_secrets", row["detail"]["permissions"])
        res, row = self.change("agent.suspend", {"id": "bot", "reason": "review"})
        self.assertEqual(row["detail"]["reason"], "review")
        self.change("agent.resume", {"id": "bot"})
        res, row = self.change("agent.rotate_token", {"id": "bot"})
        self.assertNotIn(res["token"], json.dumps(row))
        self.assertNotIn(tok, json.dumps(row))
        self.change("agent.delete", {"id": "bot"})

        # Reads write nothing.
        self.register("reader", "observer")
        n = len(self.audit())
        with self.d.connect() as c:
            self.ok(c.call("agent.list"))
            self.ok(c.call("agent.show", {"id": "reader"}))
            self.ok(c.call("session.whoami"))
        self.assertEqual(len(self.audit()), n, "a read wrote an audit row")

    def test_delete_keeps_history(self):
        self.register("bot", "executor")
        self.ok(self.d.call("agent.grant", {"id": "bot", "permissions": ["read_secrets"]}))
        self.ok(self.d.call("agent.suspend", {"id": "bot", "reason": "r"}))
        seq = self.last_seq()
        c, r = self.hello("bot", "mst_wrong")
        self.err(r, E_UNAUTHENTICATED)
        self.wait_rows(seq, 1)
        history = [r for r in self.audit() if r["detail"].get("agent") == "bot"]
        self.assertEqual([r["event"] for r in history],
                         ["agent.register", "agent.grant", "agent.suspend", "session.auth_failed"])
        self.ok(self.d.call("agent.delete", {"id": "bot"}))
        after = [r for r in self.audit() if r["detail"].get("agent") == "bot"]
        self.assertEqual(after[:-1], history, "agent.delete touched the agent's earlier rows")
        self.assertEqual(after[-1]["event"], "agent.delete")
        # Still there after a restart, and after registering the id again.
        self.register("bot", "observer")
        self.d.stop()
        self.d = self.new_daemon(socket_path=self.d.socket_path, db_path=self.d.db_path,
                                 config_path=self.d.config_path, write_config=False,
                                 name="maestrod-restarted").start()
        again = [r for r in self.audit() if r["detail"].get("agent") == "bot"]
        self.assertEqual(again[:len(after)], after)
        self.assertEqual([r["event"] for r in again[len(after):]], ["agent.register"])

    def test_changes_through_maestroctl(self):
        n = len(self.audit())
        f = os.path.join(self.tmp, "t")
        for args in (("agent", "add", "bot", "--role", "observer", "--token-file", f),
                     ("agent", "grant", "bot", "write_files"),
                     ("agent", "revoke", "bot", "write_files"),
                     ("agent", "suspend", "bot", "why not"),
                     ("agent", "resume", "bot"),
                     ("agent", "rotate", "bot", "--token-file", f),
                     ("agent", "rm", "bot")):
            p = self.d.ctl(*args, env=ctl_env())
            self.assertEqual(p.returncode, 0, (args, p.stderr))
        rows = self.audit()[n:]
        self.assertEqual([r["event"] for r in rows], list(CHANGE_EVENTS), rows)
        for r in rows:
            self.assertEqual(r["actor"], "uid:%d" % os.getuid(), r)
            self.assertEqual(r["peer_uid"], os.getuid(), r)
            self.assertIsInstance(r["peer_pid"], int, r)
            self.assertNotEqual(r["peer_pid"], os.getpid(), "peer_pid is not maestroctl's")



# ---------------------------------------------------------------------------


class FailedCommit(AgentCase):
    """When the audit store cannot be written, a change is undone and the
    caller told so; memory and database must agree afterwards."""

    def test_pipelined_changes_undone_together(self):
        # Two changes to one agent, and a new agent changed right after it is
        # registered, all while SQLite's write lock is held elsewhere: each
        # change fails (after the store's 5 s busy timeout) and the callers
        # hear so. Then nothing may have changed, whatever order the undoing
        # runs in.
        tok = self.register("bot", "observer")["token"]
        bot = self.show("bot")
        before_list = self.agents()
        lock = self.d.sqlite_lock()
        try:
            with self.d.connect() as c:
                c.send(encode(request("agent.grant", {"id": "bot", "permissions": ["read_secrets"]}, id=1)) +
                       encode(request("agent.revoke", {"id": "bot", "permissions": ["read_files"]}, id=2)) +
                       encode(request("agent.register", {"id": "second", "role": "executor"}, id=3)) +
                       encode(request("agent.suspend", {"id": "second", "reason": "x"}, id=4)))
                replies = {}
                while len(replies) < 4:
                    r = c.read_json(timeout=60)
                    replies[r["id"]] = r
        finally:
            lock.rollback()
            lock.close()
        for id in (1, 2, 3, 4):
            self.err(replies[id], -32005)
        stored = self.d.sqlite_rows("SELECT id, permissions, status FROM agents ORDER BY id")
        self.assertEqual(stored, [("bot", "read_files", "active")])
        # Memory must agree with the database and with what the callers were told.
        self.maxDiff = None
        self.assertEqual(self.agents(), before_list,
                         "after four failed changes maestrod serves agent state it never stored")
        self.assertEqual(self.show("bot"), bot)
        self.assertHello("bot", tok)

    def test_single_failed_change_undone(self):
        self.register("bot", "observer")
        bot = self.show("bot")
        lock = self.d.sqlite_lock()
        try:
            with self.d.connect() as c:
                c.send_json(request("agent.grant", {"id": "bot", "permissions": ["read_secrets"]}, id=1))
                r = c.read_json(timeout=30)
        finally:
            lock.rollback()
            lock.close()
        self.err(r, -32005, "bot")
        self.assertEqual(self.show("bot"), bot)
        self.assertEqual(self.d.sqlite_rows("SELECT permissions FROM agents"), [("read_files",)])
        # The store works again.
        self.ok(self.d.call("agent.grant", {"id": "bot", "permissions": ["read_secrets"]}))
        self.assertEqual(self.d.sqlite_rows("SELECT permissions FROM agents"),
                         [("read_files,read_secrets",)])


if __name__ == "__main__":
    harness.main()
