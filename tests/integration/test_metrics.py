#!/usr/bin/env python3
"""Metrics: GET /metrics for Prometheus, system.metrics and maestroctl metrics.

A maestrod with metrics_listen on a free loopback port answers a few
evaluations (allows and denies); /metrics must count them in the text
exposition format, the real Prometheus (Debian's package, skipped when it
is not installed) must scrape and store the same figures, system.metrics and
maestroctl metrics --json must agree with /metrics, other paths and methods
are refused, and a metrics_listen that is not loopback, or a port already
taken, stops maestrod at start with a clear error.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, SLOW, E_UNAUTHORIZED  # noqa: E402

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

N_ALLOW = 3  # "ls"
N_DENY = 2   # "rm -rf /"

# Every family maestrod(8) documents, with its type.
FAMILIES = {
    "maestro_build_info": "gauge",
    "maestro_start_time_seconds": "gauge",
    "maestro_uptime_seconds": "gauge",
    "maestro_decisions_total": "counter",
    "maestro_evaluate_duration_seconds": "histogram",
    "maestro_subagent_duration_seconds": "histogram",
    "maestro_pipeline_errors_total": "counter",
    "maestro_pipeline_timeouts_total": "counter",
    "maestro_audit_rows_committed_total": "counter",
    "maestro_audit_rows_failed_total": "counter",
    "maestro_audit_batches_total": "counter",
    "maestro_audit_queue_depth": "gauge",
    "maestro_decisions_in_flight": "gauge",
    "maestro_audit_failing": "gauge",
    "maestro_audit_commit_duration_seconds": "histogram",
    "maestro_otlp_exported_total": "counter",
    "maestro_otlp_dropped_total": "counter",
    "maestro_otlp_failed_total": "counter",
    "maestro_otlp_queue_depth": "gauge",
    "maestro_traces_dropped_total": "counter",
    "maestro_connections_open": "gauge",
    "maestro_connections_total": "counter",
    "maestro_connections_refused_total": "counter",
    "maestro_requests_total": "counter",
    "maestro_requests_failed_total": "counter",
    "maestro_worker_queue_depth": "gauge",
    "maestro_agents": "gauge",
    "maestro_agent_trust_score": "gauge",
    "maestro_agent_tokens_used_total": "counter",
}

# Families that the act of asking (a scrape, a socket call) does not move.
STABLE = ("maestro_build_info", "maestro_decisions_total", "maestro_evaluate_duration_seconds",
          "maestro_subagent_duration_seconds", "maestro_pipeline_errors_total",
          "maestro_pipeline_timeouts_total", "maestro_agents", "maestro_agent_trust_score",
          "maestro_agent_tokens_used_total", "maestro_start_time_seconds")

LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse_text(text):
    """{family: {"type", "help", "samples": [(name, {labels}, value)]}} from the text format."""
    fams, current = {}, None
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            current = fams.setdefault(name, {"samples": []})
            current["help"] = help_
            continue
        if line.startswith("# TYPE "):
            name, _, type_ = line[7:].partition(" ")
            fams.setdefault(name, {"samples": []})["type"] = type_
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a sample line: %r" % line
        name, labels, value = m.groups()
        lab = {k: unescape(v) for k, v in LABEL_RE.findall(labels or "")}
        assert current is not None and name.startswith(next(reversed(fams))), line
        current["samples"].append((name, lab, float(value)))
    return fams


def simple(fams, family):
    """The counter or gauge family as {frozenset(labels): value}."""
    return {frozenset(l.items()): v for _, l, v in fams[family]["samples"]}


def histograms(fams, family):
    """{frozenset(labels): {"count", "sum", "buckets": [(le, cumulative)]}} (+Inf left out)."""
    out = {}
    for name, labels, value in fams[family]["samples"]:
        base = frozenset((k, v) for k, v in labels.items() if k != "le")
        h = out.setdefault(base, {"buckets": []})
        if name.endswith("_bucket"):
            if labels["le"] != "+Inf":
                h["buckets"].append((float(labels["le"]), value))
            else:
                h["inf"] = value
        elif name.endswith("_sum"):
            h["sum"] = value
        elif name.endswith("_count"):
            h["count"] = value
    return out


def from_json(result, family):
    """A system.metrics family in the shapes simple() and histograms() return."""
    fam = result[family]
    if fam["type"] != "histogram":
        return {frozenset(s["labels"].items()): float(s["value"]) for s in fam["samples"]}
    return {frozenset(s["labels"].items()):
            {"count": float(s["count"]), "sum": float(s["sum"]),
             "buckets": [(float(b["le"]), float(b["count"])) for b in s["buckets"]]}
            for s in fam["samples"]}


def http(url, method="GET", timeout=10):
    """(status, headers, body text) without raising on 4xx."""
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout * SLOW) as r:
            return r.status, r.headers, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


class MetricsCase(MaestroTestCase):
    """A maestrod serving /metrics, an executor agent and a few decisions."""

    def setUp(self):
        super().setUp()
        self.port = free_port()
        self.url = "http://127.0.0.1:%d/metrics" % self.port
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(self.ws)
        self.d = self.start_daemon(config="metrics_listen = 127.0.0.1:%d\n" % self.port)
        self.d.wait_audit_committed(1)
        r = self.d.call("agent.register", {"id": "exec-1", "role": "executor"})
        self.assertIn("result", r, r)
        self.token = r["result"]["token"]
        self.c = self.d.connect()
        r = self.c.call("session.hello", {"agent": "exec-1", "token": self.token})
        self.assertIn("result", r, r)
        for cmd, n, want in (("ls", N_ALLOW, "allow"), ("rm -rf /", N_DENY, "deny")):
            for _ in range(n):
                r = self.c.call("governance.evaluate", {"action": {
                    "kind": "shell", "command": cmd, "cwd": self.ws, "workspace": self.ws}})
                self.assertIn("result", r, r)
                self.assertEqual(r["result"]["decision"], want, r)

    def scrape(self):
        status, headers, body = http(self.url)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], CONTENT_TYPE)
        return parse_text(body)

    def decisions(self, fams):
        """{decision: count} of exec-1's decisions, summed over risk levels."""
        out = {}
        for labels, v in simple(fams, "maestro_decisions_total").items():
            lab = dict(labels)
            self.assertEqual(set(lab), {"decision", "risk", "agent"}, lab)
            if lab["agent"] == "exec-1":
                out[lab["decision"]] = out.get(lab["decision"], 0) + v
        return out


class Scrape(MetricsCase):

    def test_families_and_counts(self):
        fams = self.scrape()
        for name, type_ in FAMILIES.items():
            self.assertIn(name, fams, "family %s missing" % name)
            self.assertEqual(fams[name].get("type"), type_, name)
            self.assertTrue(fams[name].get("help"), name)
        self.assertEqual(set(fams), set(FAMILIES), "families not in maestrod(8)")
        self.assertEqual(self.decisions(fams), {"allow": N_ALLOW, "deny": N_DENY})
        # rm -rf / is CRITICAL; ls is LOW.
        dec = simple(fams, "maestro_decisions_total")
        self.assertEqual(dec[frozenset({"decision": "deny", "risk": "CRITICAL",
                                        "agent": "exec-1"}.items())], N_DENY)

        ev = histograms(fams, "maestro_evaluate_duration_seconds")[frozenset()]
        self.assertEqual(ev["count"], N_ALLOW + N_DENY)
        self.assertEqual(ev["inf"], ev["count"])
        self.assertGreater(ev["sum"], 0)
        counts = [c for _, c in ev["buckets"]]
        self.assertEqual(counts, sorted(counts), "buckets must be cumulative")
        les = [le for le, _ in ev["buckets"]]
        self.assertEqual(les, sorted(les))
        sub = histograms(fams, "maestro_subagent_duration_seconds")
        self.assertEqual({dict(k)["subagent"] for k in sub}, {"justica", "sofia", "armor"})
        for k, h in sub.items():
            self.assertLessEqual(h["count"], N_ALLOW + N_DENY, k)
        self.assertEqual(simple(fams, "maestro_pipeline_errors_total")[frozenset()], 0)
        self.assertEqual(simple(fams, "maestro_pipeline_timeouts_total")[frozenset()], 0)

        # daemon.start, agent.register and one row per decision, at least.
        committed = simple(fams, "maestro_audit_rows_committed_total")[frozenset()]
        self.assertGreaterEqual(committed, 2 + N_ALLOW + N_DENY)
        self.assertGreaterEqual(
            histograms(fams, "maestro_audit_commit_duration_seconds")[frozenset()]["count"], 1)
        self.assertEqual(simple(fams, "maestro_build_info"),
                         {frozenset({"version": harness.maestrod_version()}.items()): 1})
        self.assertEqual(simple(fams, "maestro_agents")[frozenset({"status": "active"}.items())],
                         1)
        trust = simple(fams, "maestro_agent_trust_score")[frozenset({"agent": "exec-1"}.items())]
        self.assertTrue(0 <= trust <= 1, trust)
        self.assertIn(frozenset({"agent": "exec-1"}.items()),
                      simple(fams, "maestro_agent_tokens_used_total"))
        self.assertGreaterEqual(simple(fams, "maestro_connections_open")[frozenset()], 1)
        self.assertGreaterEqual(simple(fams, "maestro_requests_total")[frozenset()],
                                3 + N_ALLOW + N_DENY)
        start = simple(fams, "maestro_start_time_seconds")[frozenset()]
        self.assertLess(abs(start - time.time()), 600)

    def test_promtool_accepts(self):
        # Prometheus' own linter: format, naming, HELP and TYPE lines, units.
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool (Debian package prometheus) is not installed")
        status, _, body = http(self.url)
        self.assertEqual(status, 200, body)
        p = subprocess.run([promtool, "check", "metrics"], input=body, text=True,
                           capture_output=True, timeout=60 * SLOW)
        self.assertEqual(p.returncode, 0, "promtool:\n%s%s" % (p.stdout, p.stderr))

    def test_paths_and_methods(self):
        for path in ("/", "/metric", "/metrics/", "/metricsx", "/favicon.ico"):
            status, _, body = http("http://127.0.0.1:%d%s" % (self.port, path))
            self.assertEqual(status, 404, path)
        for method in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
            status, headers, _ = http(self.url, method=method)
            self.assertEqual(status, 405, method)
            self.assertEqual(headers["Allow"], "GET, HEAD", method)
        status, headers, body = http(self.url, method="HEAD")
        self.assertEqual((status, body), (200, ""))
        self.assertEqual(headers["Content-Type"], CONTENT_TYPE)
        status, _, body = http(self.url + "?debug=1")
        self.assertEqual(status, 200)
        self.assertIn("maestro_decisions_total", body)
        # A client that sends garbage gets an error, and the daemon still serves.
        with socket.create_connection(("127.0.0.1", self.port), timeout=5 * SLOW) as s:
            s.sendall(b"NONSENSE\r\n\r\n")
            s.recv(4096)
        self.scrape()
        self.assertTrue(self.d.alive())

    def test_socket_and_ctl_agree(self):
        fams = self.scrape()
        r = self.d.call("system.metrics")
        self.assertIn("result", r, r)
        result = r["result"]
        p = self.d.ctl("metrics", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        ctl = json.loads(p.stdout)
        self.assertEqual(set(result), set(fams))
        self.assertEqual(set(ctl), set(fams))
        for name in fams:
            self.assertEqual(result[name]["type"], fams[name]["type"], name)
            self.assertEqual(unescape(fams[name]["help"]), result[name]["help"], name)
        for name in STABLE:
            text = (histograms(fams, name) if fams[name]["type"] == "histogram"
                    else simple(fams, name))
            if fams[name]["type"] == "histogram":
                for h in text.values():
                    del h["inf"]
            self.assertEqual(from_json(result, name), text, name)
            self.assertEqual(from_json(ctl, name), text, name)
        # The readable form names what it shows.
        p = self.d.ctl("metrics")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"decision=deny risk=CRITICAL agent=exec-1 +%d\n" % N_DENY)
        self.assertRegex(p.stdout, r"maestro_evaluate_duration_seconds\n  \(all\) +%d, mean "
                         % (N_ALLOW + N_DENY))
        # --json before the command works as for every command.
        p = self.d.ctl("metrics", json_out=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("maestro_decisions_total", json.loads(p.stdout))

    def test_admin_only(self):
        # A connection speaking for an agent is not an administrator.
        r = self.c.call("system.metrics")
        self.assertError(r, E_UNAUTHORIZED, id=r.get("id"))

    def test_reload_needs_restart(self):
        other = free_port()
        self.d.write_config("metrics_listen = 127.0.0.1:%d\n" % other)
        r = self.d.call("system.reload")
        self.assertIn("result", r, r)
        self.assertIn("metrics_listen", r["result"]["restart_required"])
        self.scrape()  # still on the port it started with
        self.d.write_config("")
        r = self.d.call("system.reload")
        self.assertIn("metrics_listen", r["result"]["restart_required"])
        self.d.write_config("metrics_listen = 127.0.0.1:%d\n" % self.port)
        r = self.d.call("system.reload")
        self.assertNotIn("metrics_listen", r["result"]["restart_required"])


class WithPrometheus(MetricsCase):
    """Debian's Prometheus scrapes maestrod and stores what /metrics says."""

    def setUp(self):
        if not os.access(PROMETHEUS, os.X_OK):
            self.skipTest("prometheus is not installed (apt-get install prometheus)")
        super().setUp()

    def start_prometheus(self):
        pdir = os.path.join(self.tmp, "prometheus")
        os.makedirs(os.path.join(pdir, "data"))
        conf = os.path.join(pdir, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n"
                    "  scrape_interval: 1s\n"
                    "  scrape_timeout: 1s\n"
                    "scrape_configs:\n"
                    "  - job_name: maestro\n"
                    "    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % self.port)
        port = free_port()
        log = open(os.path.join(pdir, "prometheus.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + conf, "--storage.tsdb.path=" + os.path.join(pdir, "data"),
             "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            env=harness.clean_env())
        harness._live.add(proc)

        def stop():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            harness._live.discard(proc)

        self.addCleanup(stop)
        self.prom_log = os.path.join(pdir, "prometheus.log")
        return proc, "http://127.0.0.1:%d" % port

    def query(self, base, expr):
        url = "%s/api/v1/query?%s" % (base, urllib.parse.urlencode({"query": expr}))
        try:
            status, _, body = http(url, timeout=5)
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            return None  # not up yet
        if status != 200:
            return None
        r = json.loads(body)
        if r.get("status") != "success":
            return None
        return {frozenset(x["metric"].items()): float(x["value"][1]) for x in r["data"]["result"]}

    def test_prometheus_scrapes(self):
        proc, base = self.start_prometheus()
        want = {"allow": N_ALLOW, "deny": N_DENY}
        deadline = time.monotonic() + 60 * SLOW
        got = up = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                with open(self.prom_log) as f:
                    self.fail("prometheus exited with %s:\n%s" % (proc.returncode, f.read()))
            up = self.query(base, 'up{job="maestro"}')
            series = self.query(base, 'maestro_decisions_total{agent="exec-1"}')
            if series:
                got = {}
                for labels, v in series.items():
                    lab = dict(labels)
                    self.assertEqual(lab["job"], "maestro", lab)
                    self.assertEqual(lab["instance"], "127.0.0.1:%d" % self.port, lab)
                    got[lab["decision"]] = got.get(lab["decision"], 0) + v
            if got == want and up and list(up.values()) == [1.0]:
                break
            time.sleep(0.5)
        with open(self.prom_log) as f:
            plog = f.read()
        # First whether it scraped at all, then whether the counts came through.
        self.assertEqual(list((up or {}).values()), [1.0], "up: %r\n%s" % (up, plog))
        r = self.query(base, 'maestro_agents{status="active"}')
        self.assertEqual(list(r.values()), [1.0], r)
        self.assertEqual(got, want, "prometheus stored %r; its log:\n%s" % (got, plog))
        # The histogram arrived whole: its count is what maestrod answered.
        r = self.query(base, "maestro_evaluate_duration_seconds_count")
        self.assertEqual(list(r.values()), [N_ALLOW + N_DENY])
        r = self.query(base, 'maestro_subagent_duration_seconds_bucket{subagent="justica",le="+Inf"}')
        self.assertEqual(len(r), 1, r)
        r = self.query(base, 'maestro_build_info')
        self.assertEqual([dict(k)["version"] for k in r], [harness.maestrod_version()])


class StartUp(MaestroTestCase):
    """metrics_listen errors stop maestrod before it serves anything."""

    def refused(self, config, *needles, directory=None):
        d = self.new_daemon(directory, config=config)
        d.start(wait=False)
        rc = d.wait_exit()
        self.assertNotEqual(rc, 0, d.log())
        for n in needles:
            self.assertIn(n, d.log())
        self.assertFalse(os.path.exists(d.socket_path) and d.alive())
        return d

    def test_not_loopback(self):
        for i, addr in enumerate(("0.0.0.0:9464", "192.0.2.1:9464", "[::]:9464",
                                  "localhost:9464")):
            with self.subTest(addr=addr):
                sub = os.path.join(self.tmp, str(i))
                os.makedirs(sub)
                d = self.refused("# metrics\nmetrics_listen = %s\n" % addr,
                                 "maestrod.conf:2:18: metrics_listen", directory=sub)
                self.assertRegex(d.log(), r"not a loopback address|not a numeric IPv4")

    def test_port_taken(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            self.refused("metrics_listen = 127.0.0.1:%d\n" % port,
                         "cannot listen on 127.0.0.1:%d: Address already in use" % port)

    def test_check_config(self):
        conf = os.path.join(self.tmp, "bad.conf")
        with open(conf, "w") as f:
            f.write("metrics_listen = 10.0.0.1:9464\n")
        p = subprocess.run([harness.MAESTROD, "--check-config", "--config", conf],
                           capture_output=True, text=True, timeout=30 * SLOW)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("bad.conf:1:18: metrics_listen: 10.0.0.1 is not a loopback address",
                      p.stderr)

    def test_ipv6_loopback(self):
        if not socket.has_ipv6:
            self.skipTest("no IPv6")
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.bind(("::1", 0))
                port = s.getsockname()[1]
        except OSError:
            self.skipTest("no ::1 here")
        self.start_daemon(config="metrics_listen = [::1]:%d\n" % port)
        status, _, body = http("http://[::1]:%d/metrics" % port)
        self.assertEqual(status, 200)
        self.assertIn("maestro_build_info", body)


if __name__ == "__main__":
    harness.main()
