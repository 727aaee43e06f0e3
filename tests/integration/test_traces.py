#!/usr/bin/env python3
"""Traces: trace.get and maestroctl trace, OTLP/HTTP export, decision log lines.

Each decision is stored as a trace (a root span, the subagents, the audit
commit); a caller's traceparent makes the root a child of the caller's span;
with otlp_endpoint set, spans (and with otlp_logs, audit rows) reach an OTLP
receiver, here a small http.server in the test, which can also refuse (503)
or hang; export never holds up a decision, and what it cannot deliver is
counted in system.metrics.
"""

import http.server
import json
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase  # noqa: E402

E_NOT_FOUND = -32002
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
MESSAGE_ID = "2ceedafe6efc4edab485bdbb2938a5d0"


class Receiver:
    """An OTLP/HTTP receiver on a free loopback port, recording what is POSTed.

    mode: "ok"; "fail" answers 503 to the first `failures` requests, then 200;
    "hang" reads the request and never answers.
    """

    def __init__(self, mode="ok", failures=0):
        self.mode = mode
        self.failures = failures
        self.posts = []  # (path, parsed JSON)
        self.requests = 0
        self.lock = threading.Lock()
        self.release = threading.Event()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with rec.lock:
                    rec.requests += 1
                    n = rec.requests
                if rec.mode == "hang":
                    rec.release.wait(30)
                    return
                if rec.mode == "fail" and n <= rec.failures:
                    self.send_response(503)
                    self.end_headers()
                    return
                assert self.headers.get("Content-Type") == "application/json"
                with rec.lock:
                    rec.posts.append((self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def spans(self):
        with self.lock:
            posts = list(self.posts)
        out = []
        for path, body in posts:
            if path == "/v1/traces":
                for rs in body["resourceSpans"]:
                    for ss in rs["scopeSpans"]:
                        out.extend(ss["spans"])
        return out

    def logs(self):
        with self.lock:
            posts = list(self.posts)
        out = []
        for path, body in posts:
            if path == "/v1/logs":
                for rl in body["resourceLogs"]:
                    for sl in rl["scopeLogs"]:
                        out.extend(sl["logRecords"])
        return out


def attrs(obj):
    """OTLP attributes as a dict of plain values."""
    return {a["key"]: list(a["value"].values())[0] for a in obj.get("attributes", [])}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, fn, timeout=10):
    deadline = time.monotonic() + timeout * harness.SLOW
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(0.05)


class TraceCase(MaestroTestCase):
    config = ""

    def setUp(self):
        super().setUp()
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(self.ws)
        self.d = self.start_daemon(config=self.config)
        self.d.wait_audit_committed(1)
        r = self.d.call("agent.register", {"id": "exec-1", "role": "executor"})
        self.token = r["result"]["token"]
        self.conn = self.d.connect()
        self.ok(self.conn.call("session.hello", {"agent": "exec-1", "token": self.token}))

    def ok(self, reply):
        self.assertNotIn("error", reply, reply)
        return reply["result"]

    def evaluate(self, command="ls", **params):
        p = {"action": {"kind": "shell", "command": command, "cwd": self.ws,
                        "workspace": self.ws}}
        p.update(params)
        t0 = time.monotonic()
        r = self.ok(self.conn.call("governance.evaluate", p))
        return r, time.monotonic() - t0

    def trace_get(self, cid):
        """trace.get, waiting for the trace row (written in the writer's next batch)."""
        def get():
            r = self.d.call("trace.get", {"correlation_id": cid})
            if "error" in r and r["error"]["code"] == E_NOT_FOUND:
                return None
            return self.ok(r)
        return wait_for("the trace of " + cid, get)

    def metric(self, name):
        m = self.ok(self.d.call("system.metrics"))
        return m[name]["samples"][0]["value"]


class TestTraceGet(TraceCase):
    def test_tree_of_a_fresh_evaluation(self):
        r, _ = self.evaluate("ls")
        t = self.trace_get(r["correlation_id"])
        self.assertRegex(t["trace_id"], "^[0-9a-f]{32}$")
        spans = {s["name"]: s for s in t["spans"]}
        self.assertEqual(set(spans), {"governance.evaluate", "justica", "sofia", "armor",
                                      "audit.commit"}, t)
        root = spans["governance.evaluate"]
        self.assertNotIn("parent_span_id", root)
        self.assertLessEqual(root["start_us"], root["end_us"])
        for name in ("justica", "sofia", "armor", "audit.commit"):
            s = spans[name]
            self.assertEqual(s["parent_span_id"], root["span_id"], s)
            self.assertRegex(s["span_id"], "^[0-9a-f]{16}$")
            self.assertGreaterEqual(s["start_us"], root["start_us"], (name, t))
            self.assertLessEqual(s["end_us"], root["end_us"], (name, t))
        a = root["attributes"]
        self.assertEqual(a["maestro.correlation_id"], r["correlation_id"])
        self.assertEqual(a["maestro.agent_id"], "exec-1")
        self.assertEqual(a["maestro.decision"], r["decision"])
        self.assertEqual(a["maestro.risk_level"], r["risk_level"])
        self.assertEqual(a["maestro.audit_seq"], r["audit_seq"])
        self.assertEqual(spans["audit.commit"]["attributes"]["maestro.audit_seq"], r["audit_seq"])
        self.assertEqual(root["status"], "ok")

        p = self.d.ctl("trace", r["correlation_id"])
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith("trace " + t["trace_id"]), p.stdout)
        self.assertIn("governance.evaluate", lines[0])
        self.assertIn(r["decision"], lines[0])
        for name in ("justica", "sofia", "armor"):
            self.assertRegex(p.stdout, "├─ %s +\\d+ us" % name)
        self.assertRegex(p.stdout, "└─ audit.commit +\\d+ us   seq %d" % r["audit_seq"])

        p = self.d.ctl("trace", r["correlation_id"], "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["trace_id"], t["trace_id"])

    def test_not_found(self):
        r = self.d.call("trace.get", {"correlation_id": "no-such-thing"})
        self.assertEqual(r["error"]["code"], E_NOT_FOUND, r)
        p = self.d.ctl("trace", "no-such-thing")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no trace for correlation id no-such-thing", p.stderr)

    def test_admin_only(self):
        r = self.conn.call("trace.get", {"correlation_id": "x"})
        self.assertIn("error", r)
        self.assertNotEqual(r["error"]["code"], E_NOT_FOUND, r)

    def test_caller_traceparent_makes_the_root_a_child(self):
        tp = "00-%s-%s-01" % (CALLER_TRACE, CALLER_SPAN)
        r1, _ = self.evaluate("ls", traceparent=tp)
        r2, _ = self.evaluate("git status", traceparent=tp)
        for r in (r1, r2):  # two decisions in the caller's one trace: both kept
            t = self.trace_get(r["correlation_id"])
            self.assertEqual(t["trace_id"], CALLER_TRACE)
            root = [s for s in t["spans"] if s["name"] == "governance.evaluate"][0]
            self.assertEqual(root["parent_span_id"], CALLER_SPAN)
            self.assertEqual(root["attributes"]["maestro.correlation_id"], r["correlation_id"])
        p = self.d.ctl("trace", r1["correlation_id"])
        self.assertIn("child of the caller's span " + CALLER_SPAN, p.stdout)

    def test_decision_log_line(self):
        # Without JOURNAL_STREAM, log.c writes the journal fields in brackets on stderr.
        r, _ = self.evaluate("ls")
        text = self.d.wait_log("MAESTRO_CORRELATION_ID=" + r["correlation_id"])
        line = [l for l in text.splitlines()
                if "MAESTRO_CORRELATION_ID=" + r["correlation_id"] in l][0]
        self.assertIn("maestrod: info: decision %s" % r["decision"], line)
        for field in ("MESSAGE_ID=" + MESSAGE_ID, "MAESTRO_AGENT=exec-1",
                      "MAESTRO_DECISION=" + r["decision"], "MAESTRO_RISK=" + r["risk_level"],
                      "MAESTRO_RULE="):
            self.assertIn(field, line)


class TestOtlp(TraceCase):
    def setUp(self):
        self.rx = Receiver()
        self.addCleanup(self.rx.close)
        self.config = "otlp_endpoint = %s\notlp_logs = yes\n" % self.rx.url
        super().setUp()

    def test_spans_and_logs_exported(self):
        tp = "00-%s-%s-01" % (CALLER_TRACE, CALLER_SPAN)
        r, _ = self.evaluate("ls", traceparent=tp)
        spans = wait_for("exported spans", lambda: [
            s for s in self.rx.spans()
            if attrs(s).get("maestro.correlation_id") == r["correlation_id"]])
        root = spans[0]
        self.assertEqual(root["name"], "governance.evaluate")
        self.assertEqual(root["traceId"], CALLER_TRACE)
        self.assertEqual(root["parentSpanId"], CALLER_SPAN)
        a = attrs(root)
        self.assertEqual(a["maestro.agent_id"], "exec-1")
        self.assertEqual(a["maestro.decision"], r["decision"])
        self.assertEqual(a["maestro.risk_level"], r["risk_level"])
        self.assertEqual(int(a["maestro.audit_seq"]), r["audit_seq"])
        self.assertIsInstance(root["startTimeUnixNano"], str)
        self.assertLessEqual(int(root["startTimeUnixNano"]), int(root["endTimeUnixNano"]))
        children = [s for s in self.rx.spans() if s.get("parentSpanId") == root["spanId"]]
        self.assertEqual({s["name"] for s in children},
                         {"justica", "sofia", "armor", "audit.commit"})
        for s in children:
            self.assertEqual(s["traceId"], CALLER_TRACE)
        # Every id well formed: lowercase hex, 16 bytes for traces, 8 for spans.
        for s in self.rx.spans():
            self.assertRegex(s["traceId"], r"^[0-9a-f]{32}$", s)
            self.assertRegex(s["spanId"], r"^[0-9a-f]{16}$", s)
            if "parentSpanId" in s:
                self.assertRegex(s["parentSpanId"], r"^[0-9a-f]{16}$", s)
            self.assertNotEqual(s["traceId"], "0" * 32)
            self.assertNotEqual(s["spanId"], "0" * 16)
        with self.rx.lock:
            resource = [b for p, b in self.rx.posts if p == "/v1/traces"][0]
        self.assertEqual(attrs(resource["resourceSpans"][0]["resource"])["service.name"],
                         "maestrod")

        logs = wait_for("the decision's log record", lambda: [
            l for l in self.rx.logs()
            if attrs(l).get("maestro.correlation_id") == r["correlation_id"]])
        rec = logs[0]
        la = attrs(rec)
        self.assertEqual(la["maestro.event"], "governance.evaluate")
        self.assertEqual(la["maestro.actor"], "exec-1")
        self.assertEqual(int(la["maestro.audit_seq"]), r["audit_seq"])
        self.assertEqual(rec["traceId"], CALLER_TRACE)
        self.assertEqual(json.loads(rec["body"]["stringValue"])["decision"], r["decision"])
        # Rows that are not decisions go out too (agent.register), without a trace id.
        wait_for("the agent.register row", lambda: [
            l for l in self.rx.logs() if attrs(l).get("maestro.event") == "agent.register"])
        wait_for("exported count", lambda: self.metric("maestro_otlp_exported_total") > 0)


class TestOtlpRetry(TraceCase):
    def setUp(self):
        self.rx = Receiver(mode="fail", failures=2)
        self.addCleanup(self.rx.close)
        self.config = "otlp_endpoint = %s\n" % self.rx.url
        super().setUp()

    def test_503_then_200_delivers(self):
        r, _ = self.evaluate("ls")
        wait_for("spans after retries", lambda: [
            s for s in self.rx.spans()
            if attrs(s).get("maestro.correlation_id") == r["correlation_id"]], timeout=20)
        self.assertGreaterEqual(self.rx.requests, 3)
        self.assertEqual(self.metric("maestro_otlp_failed_total"), 0)


class TestOtlpAbsent(TraceCase):
    def setUp(self):
        self.config = "otlp_endpoint = http://127.0.0.1:%d\n" % free_port()
        super().setUp()

    def test_failures_counted_decisions_prompt(self):
        slowest = max(self.evaluate("ls")[1] for _ in range(20))
        self.assertLess(slowest, 1.0 * harness.SLOW)
        wait_for("failures counted", lambda: self.metric("maestro_otlp_failed_total") >= 20,
                 timeout=30)
        self.assertEqual(self.metric("maestro_otlp_exported_total"), 0)


class TestOtlpHanging(TraceCase):
    def setUp(self):
        self.rx = Receiver(mode="hang")
        self.addCleanup(self.rx.close)
        self.config = "otlp_endpoint = %s\notlp_queue_max = 5\n" % self.rx.url
        super().setUp()

    def test_drops_counted_decisions_prompt(self):
        times = [self.evaluate("ls")[1] for _ in range(40)]
        self.assertLess(max(times), 1.0 * harness.SLOW, times)
        # The first batch hangs on the receiver; behind it the queue holds 5.
        wait_for("drops counted", lambda: self.metric("maestro_otlp_dropped_total") > 0)


if __name__ == "__main__":
    harness.main()
