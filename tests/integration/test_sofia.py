#!/usr/bin/env python3
"""sofia asked directly: counsel.ask, chats, maestroctl sofia, the model backend.

counsel.ask's shape and its audit row (correlation id in SQLite); maestroctl
sofia as plain text, as JSON and as a chat driven through stdin; a local
OpenAI-compatible server that enriches counsel, hangs or talks garbage; and
in the pipeline, a hanging backend that neither delays a HIGH decision past
subagent_timeout nor turns it into allow, while LOW actions never reach it.
"""

import json
import os
import pty
import select
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, RPC_INVALID_PARAMS, SLOW  # noqa: E402

E_NOT_FOUND = -32002
MODEL_TEXT = "Check the retention rules, then ask the data owner."


class ModelServer:
    """An OpenAI-compatible /v1/chat/completions on a free loopback port.

    mode: "ok" answers MODEL_TEXT, "hang" never answers in time, "garbage"
    answers something that is not a chat completion. Counts the requests.
    """

    def __init__(self, mode="ok"):
        self.mode = mode
        self.requests = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                server.requests.append((self.path, json.loads(body)))
                if server.mode == "hang":
                    server.release.wait(30)
                    return
                if server.mode == "garbage":
                    data = b"<html>502 \x00 not json"
                else:
                    data = json.dumps({"id": "x", "object": "chat.completion", "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": MODEL_TEXT},
                         "finish_reason": "stop"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/v1/chat/completions" % self.httpd.server_address[1]

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class SofiaCase(MaestroTestCase):
    config = ""

    def setUp(self):
        super().setUp()
        self.d = self.start_daemon(config=self.config)
        self.d.wait_audit_committed(1)

    def ok(self, reply):
        self.assertNotIn("error", reply, reply)
        return reply["result"]

    def err(self, reply, code):
        self.assertNotIn("result", reply, reply)
        self.assertEqual(reply["error"]["code"], code, reply)

    def ask(self, query, conn=None, **params):
        p = {"query": query}
        p.update(params)
        return self.ok((conn or self.d).call("counsel.ask", p))

    def counsel_rows(self):
        rows = self.d.sqlite_rows("SELECT seq, actor, correlation_id, detail FROM audit"
                                  " WHERE event = 'counsel.ask' ORDER BY seq")
        return [dict(seq=s, actor=a, correlation_id=c, detail=json.loads(dt))
                for s, a, c, dt in rows]

    def sofia(self, *args, input=None):
        cmd = [harness.MAESTROCTL, "--socket", self.d.socket_path, "sofia"] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, input=input,
                           timeout=30 * SLOW, env=harness.clean_env())
        self.assertFalse(harness.sanitizer_report(p.stderr), p.stderr)
        return p

    def assertCounsel(self, r):
        for k in ("type", "counsel", "questions", "confidence", "requires_professional",
                  "correlation_id", "audit_seq", "chat_id", "turn", "backend", "carried_over"):
            self.assertIn(k, r, r)
        self.assertIsInstance(r["counsel"], str)
        self.assertGreater(len(r["counsel"]), 20)
        self.assertTrue(r["questions"] and all(q.endswith("?") for q in r["questions"]), r)
        self.assertTrue(0 < r["confidence"] <= 1, r)
        self.assertIsInstance(r["requires_professional"], bool)
        self.assertRegex(r["chat_id"], r"^[0-9a-f]{32}$")
        self.assertIsInstance(r["audit_seq"], int)


class TestAsk(SofiaCase):
    def test_shape_and_audit_row(self):
        r = self.ask("Should I delete user data?", correlation_id="ask-1")
        self.assertCounsel(r)
        self.assertEqual(r["type"], "privacy")
        self.assertTrue(r["requires_professional"])
        self.assertEqual(r["correlation_id"], "ask-1")
        self.assertEqual(r["turn"], 1)
        self.assertEqual(r["backend"], {"configured": False, "used": False, "error": None})
        self.assertIsNone(r["model_counsel"])
        rows = self.counsel_rows()
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row["seq"], r["audit_seq"])
        self.assertEqual(row["correlation_id"], "ask-1")
        self.assertEqual(row["actor"], "uid:%d" % os.getuid())
        for k in ("type", "counsel", "confidence", "requires_professional", "chat_id"):
            self.assertEqual(row["detail"][k], r[k], row)
        self.assertEqual(row["detail"]["query"], "Should I delete user data?")
        # Without one given, a fresh correlation id each time.
        r2 = self.ask("Is it legal to copy this GPL code?")
        self.assertEqual(r2["type"], "legal")
        self.assertRegex(r2["correlation_id"], r"^[0-9a-f]{32}$")
        self.assertNotEqual(r2["chat_id"], r["chat_id"])

    def test_an_agent_may_ask(self):
        tok = self.ok(self.d.call("agent.register", {"id": "bot", "role": "executor"}))["token"]
        c = self.d.connect()
        self.ok(c.call("session.hello", {"agent": "bot", "token": tok}))
        r = self.ask("Can I deploy on Friday evening?", conn=c)
        self.assertEqual(r["type"], "production")
        self.assertEqual(self.counsel_rows()[-1]["actor"], "bot")
        # Its chat is its own: the administrator's connection cannot use it.
        reply = self.d.call("counsel.ask", {"query": "and then?", "chat_id": r["chat_id"]})
        self.err(reply, E_NOT_FOUND)

    def test_chat_carries_the_topic(self):
        first = self.ask("Should I delete user data?")
        follow = self.ask("what about backups?", chat_id=first["chat_id"])
        self.assertEqual(follow["chat_id"], first["chat_id"])
        self.assertEqual(follow["turn"], 2)
        self.assertEqual(follow["type"], "privacy")
        self.assertTrue(follow["carried_over"])
        # Alone, the same question has no topic.
        self.assertEqual(self.ask("what about backups?")["type"], "general")
        opened = self.ok(self.d.call("counsel.chat_open"))
        self.assertEqual(opened["max_turns"], 50)
        self.assertEqual(opened["idle_timeout_s"], 3600)
        r = self.ask("Should I share my password?", chat_id=opened["chat_id"])
        self.assertEqual((r["chat_id"], r["turn"], r["type"]), (opened["chat_id"], 1, "credentials"))
        self.assertTrue(self.ok(self.d.call("counsel.chat_close", {"chat_id": opened["chat_id"]}))["closed"])
        self.err(self.d.call("counsel.ask", {"query": "x", "chat_id": opened["chat_id"]}),
                         E_NOT_FOUND)

    def test_params(self):
        for p in ({}, {"query": ""}, {"query": "   "}, {"query": "x" * 9000}, {"query": 3},
                  {"query": "x", "correlation_id": "bad id"}, {"query": "x", "extra": 1}):
            self.err(self.d.call("counsel.ask", p), RPC_INVALID_PARAMS)
        self.assertEqual(self.counsel_rows(), [])


class TestCtl(SofiaCase):
    def test_plain(self):
        p = self.sofia("Should", "I", "delete", "user", "data?")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("privacy", p.stdout)
        self.assertIn("must decide", p.stdout)
        self.assertIn("Questions to weigh:", p.stdout)
        self.assertIn("\n  - ", p.stdout)
        self.assertIn("confidence 0.8", p.stdout)
        self.assertNotIn("\x1b", p.stdout)  # not a terminal: no colour
        self.assertEqual(self.counsel_rows()[0]["detail"]["query"], "Should I delete user data?")

    def test_json(self):
        p = self.sofia("--json", "Should I delete user data?")
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.assertCounsel(r)
        self.assertEqual(r["type"], "privacy")
        p = self.sofia()
        self.assertEqual(p.returncode, 2)

    def test_chat(self):
        p = self.sofia("--chat", input="Should I delete user data?\n\nwhat about backups?\nquit\n"
                       "never asked\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("You: ", p.stdout)
        self.assertEqual(p.stdout.count("Questions to weigh:"), 2, p.stdout)
        rows = self.counsel_rows()
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual(rows[0]["detail"]["chat_id"], rows[1]["detail"]["chat_id"])
        self.assertEqual([r["detail"]["turn"] for r in rows], [1, 2])
        self.assertEqual([r["detail"]["query"] for r in rows],
                         ["Should I delete user data?", "what about backups?"])
        self.assertEqual(rows[1]["detail"]["type"], "privacy")
        self.assertTrue(rows[1]["detail"]["carried_over"])
        # End of file ends it too; --json gives one object per answer.
        p = self.sofia("--chat", "--json", input="Is this ethical?\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["type"], "ethics")

    def test_chat_on_a_terminal(self):
        # A person typing: a pseudo-terminal, so maestroctl sees a tty and colours.
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(harness.MAESTROCTL, [harness.MAESTROCTL, "--socket", self.d.socket_path,
                                           "sofia", "--chat"], harness.clean_env())
        out = b""

        def read_until(needle, count=1):
            nonlocal out
            deadline = time.monotonic() + 20 * SLOW
            while out.count(needle) < count and time.monotonic() < deadline:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try:
                        out += os.read(fd, 4096)
                    except OSError:
                        break
            self.assertGreaterEqual(out.count(needle), count, out)

        try:
            read_until(b"You:")
            os.write(fd, b"Should I delete user data?\n")
            read_until(b"You:", 2)
            os.write(fd, b"what about backups?\n")
            read_until(b"You:", 3)
            os.write(fd, b"exit\n")
            _, status = os.waitpid(pid, 0)
        finally:
            os.close(fd)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, out)
        self.assertIn(b"\x1b[", out)  # a terminal: colour
        self.assertEqual(out.count(b"Questions to weigh"), 2, out)
        rows = self.counsel_rows()
        self.assertEqual([r["detail"]["turn"] for r in rows], [1, 2])
        self.assertEqual(rows[0]["detail"]["chat_id"], rows[1]["detail"]["chat_id"])
        self.assertTrue(rows[1]["detail"]["carried_over"])


class BackendCase(SofiaCase):
    mode = "ok"
    extra = ""

    def setUp(self):
        self.model = ModelServer(self.mode)
        self.addCleanup(self.model.close)
        self.config = ("counsel_backend = %s\ncounsel_model = tiny\ncounsel_timeout = 1s\n%s"
                       % (self.model.url, self.extra))
        super().setUp()


class TestBackendOk(BackendCase):
    def test_enriches_counsel(self):
        r = self.ask("Should I delete user data?")
        self.assertEqual(r["backend"], {"configured": True, "used": True, "error": None})
        self.assertEqual(r["model_counsel"], MODEL_TEXT)
        self.assertEqual(r["type"], "privacy")  # the rules still run
        path, req = self.model.requests[0]
        self.assertEqual(path, "/v1/chat/completions")
        self.assertEqual(req["model"], "tiny")
        self.assertIn("Should I delete user data?", req["messages"][-1]["content"])
        self.assertEqual(self.counsel_rows()[0]["detail"]["model_counsel"], MODEL_TEXT)
        # A follow-up carries the chat's turns to the model.
        self.ask("what about backups?", chat_id=r["chat_id"])
        msgs = self.model.requests[1][1]["messages"]
        self.assertEqual([m["role"] for m in msgs], ["system", "user", "assistant", "user"])
        self.assertEqual(msgs[2]["content"], MODEL_TEXT)
        p = self.sofia("Should I delete user data?")
        self.assertIn("From the model:", p.stdout)
        self.assertIn(MODEL_TEXT.split(",")[0], p.stdout)


class TestBackendHangs(BackendCase):
    mode = "hang"

    def test_falls_back_within_the_timeout(self):
        t = time.monotonic()
        r = self.ask("Should I delete user data?")
        elapsed = time.monotonic() - t
        self.assertLess(elapsed, 1 + 2 * SLOW, r)
        self.assertFalse(r["backend"]["used"], r)
        self.assertIn("did not answer within", r["backend"]["error"])
        self.assertIsNone(r["model_counsel"])
        self.assertEqual(r["type"], "privacy")
        self.assertIn("did not answer", self.counsel_rows()[0]["detail"]["backend"]["error"])


class TestBackendGarbage(BackendCase):
    mode = "garbage"

    def test_falls_back(self):
        r = self.ask("Should I delete user data?")
        self.assertFalse(r["backend"]["used"], r)
        self.assertIn("not", r["backend"]["error"])
        self.assertIsNone(r["model_counsel"])
        self.assertGreater(len(r["counsel"]), 20)


class PipelineCase(BackendCase):
    extra = "subagent_timeout = 300ms\n"

    def setUp(self):
        super().setUp()
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(self.ws)
        tok = self.ok(self.d.call("agent.register", {"id": "exec-1", "role": "executor"}))["token"]
        self.c = self.d.connect()
        self.ok(self.c.call("session.hello", {"agent": "exec-1", "token": tok}))

    def evaluate(self, command):
        t = time.monotonic()
        r = self.ok(self.c.call("governance.evaluate", {"action": {
            "kind": "shell", "command": command, "cwd": self.ws, "workspace": self.ws}}))
        return r, time.monotonic() - t

    def rules(self, r, subagent="sofia"):
        return [x["rule"] for x in r["reasons"] if x["subagent"] == subagent]


class TestPipelineHangs(PipelineCase):
    mode = "hang"

    def test_high_within_deadline_and_not_allowed(self):
        r, elapsed = self.evaluate("git push --force")
        self.assertEqual(r["risk_level"], "HIGH", r)
        self.assertNotEqual(r["decision"], "allow", r)
        self.assertLess(elapsed, 0.3 + 1.0 * SLOW, r)
        # sofia gave up on the model in time: its counsel, and why the model is missing.
        self.assertIn("sofia.counsel", self.rules(r), r)
        self.assertIn("sofia.backend", self.rules(r), r)
        self.assertEqual(len(self.model.requests), 1)

    def test_low_never_calls_the_model(self):
        r, _ = self.evaluate("ls")
        self.assertEqual(r["risk_level"], "LOW", r)
        self.assertEqual(r["decision"], "allow", r)
        self.assertEqual(self.model.requests, [])
        self.assertNotIn("sofia.backend", self.rules(r))


class TestPipelineOk(PipelineCase):
    mode = "ok"

    def test_high_enriched(self):
        r, _ = self.evaluate("git push --force")
        self.assertIn("sofia.model-counsel", self.rules(r), r)
        text = [x["text"] for x in r["reasons"] if x["rule"] == "sofia.model-counsel"][0]
        self.assertIn(MODEL_TEXT, text)
        self.assertEqual(r["decision"], "ask", r)  # the model never moves the verdict


if __name__ == "__main__":
    harness.main()
