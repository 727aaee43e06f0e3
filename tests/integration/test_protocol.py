#!/usr/bin/env python3
"""The wire protocol on a raw socket: framing, malformed input, error codes, recovery."""

import json
import os
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import (MaestroTestCase, RPC_INVALID_PARAMS, RPC_INVALID_REQUEST,  # noqa: E402
                     RPC_METHOD_NOT_FOUND, RPC_PARSE_ERROR, encode, request)


class Protocol(MaestroTestCase):
    @classmethod
    def setUpClass(cls):
        # One daemon for the whole class: these tests only read and talk.
        cls.shared = _SharedDaemon()

    @classmethod
    def tearDownClass(cls):
        cls.shared.close()

    def setUp(self):
        super().setUp()
        self.d = self.shared.daemon
        self._daemons.append(self.d)  # its log is printed if this test fails
        self.assertTrue(self.d.alive(), "the shared maestrod died:\n" + self.d.log())

    def tearDown(self):
        # Whatever the test sent, the daemon serves a brand-new connection.
        with self.d.connect() as c:
            self.assertServes(c, "new-connection")
        self.assertTrue(self.d.alive())
        super().tearDown()

    # -- framing ------------------------------------------------------------

    def test_request_split_byte_by_byte(self):
        line = encode(request("system.ping", {"data": "split é"}, id="slow"))
        with self.d.connect() as c:
            for i in range(len(line)):
                c.send(line[i:i + 1])
                time.sleep(0.002)
            self.assertPong(c.read_json(), "slow", "split é")
            self.assertServes(c)

    def test_request_split_at_awkward_points(self):
        line = encode(request("system.ping", {"data": "x" * 5000}, id=7))
        with self.d.connect() as c:
            # The '\n' alone, then a request split just before its '\n'.
            c.send(line[:-1])
            time.sleep(0.05)
            c.send(b"\n" + line[:-1])
            self.assertPong(c.read_json(), 7, "x" * 5000)
            time.sleep(0.05)
            c.send(b"\n")
            self.assertPong(c.read_json(), 7, "x" * 5000)

    def test_many_requests_in_one_write(self):
        n = 500
        blob = b"".join(encode(request("system.ping", {"data": "p%d" % i}, id=i))
                        for i in range(n))
        with self.d.connect() as c:
            c.send(blob)
            for i in range(n):
                self.assertPong(c.read_json(), i, "p%d" % i)
            self.assertServes(c)

    def test_mixed_methods_in_one_write_answered_in_order(self):
        reqs = []
        for i in range(60):
            reqs.append(request(["system.ping", "system.status", "no.such"][i % 3], id=i))
        with self.d.connect() as c:
            c.send(b"".join(encode(r) for r in reqs))
            for i in range(60):
                r = c.read_json()
                self.assertEqual(r["id"], i, r)
                if i % 3 == 0:
                    self.assertPong(r, i)
                elif i % 3 == 1:
                    self.assertEqual(r["result"]["pid"], self.d.pid)
                else:
                    self.assertError(r, RPC_METHOD_NOT_FOUND, id=i)

    def test_crlf_and_blank_lines(self):
        with self.d.connect() as c:
            c.send(b"\n  \n\t\n" + encode(request("system.ping", id=1))[:-1] + b"\r\n\r\n")
            self.assertPong(c.read_json(), 1)
            # Blank lines get no reply at all: the next reply is for id 2.
            self.assertPong(c.call("system.ping", id=2), 2)

    def test_reply_is_one_line_even_with_newlines_in_data(self):
        data = "line1\nline2\r\u2028\u0001end\"\\"
        with self.d.connect() as c:
            c.send_json(request("system.ping", {"data": data}, id=1))
            raw = c.read_line()
            self.assertNotIn(b"\n", raw)
            self.assertPong(json.loads(raw), 1, data)

    def test_ids_echoed_exactly(self):
        ids = [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), "", "abc", "é☃", "x" * 256]
        with self.d.connect() as c:
            for i in ids:
                self.assertPong(c.call("system.ping", id=i), i)

    def test_escaped_nul_refused(self):
        # C strings end at a NUL: "system.ping\u0000x" must not run as system.ping.
        for line in (b'{"jsonrpc":"2.0","id":1,"method":"system.ping\\u0000x"}\n',
                     b'{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"data":"a\\u0000"}}\n',
                     b'{"jsonrpc":"2.0","id":1,"method":"system.ping","params\\u0000x":{}}\n'):
            with self.subTest(line=line), self.d.connect() as c:
                c.send(line)
                self.assertError(c.read_json(), RPC_PARSE_ERROR, id=None, contains="u0000")

    def test_id_beyond_exact_doubles_refused(self):
        # Integer ids stay within 2^53 - 1, what every JSON implementation
        # (a JavaScript client's doubles) holds exactly.
        for i in (2 ** 53, -(2 ** 53), 2 ** 63 - 1, -2 ** 63):
            with self.subTest(id=i), self.d.connect() as c:
                c.send_json(request("system.ping", id=i))
                self.assertError(c.read_json(), RPC_INVALID_REQUEST, id=None, contains="2^53")

    def test_id_out_of_range_never_altered(self):
        # json-c saturates integers beyond 64 bits; such an id must be refused
        # (with a null id), never answered under a different number.
        for i in (2 ** 63, 2 ** 64 + 5, -2 ** 63 - 1, 10 ** 30):
            with self.subTest(id=i), self.d.connect() as c:
                c.send_json(request("system.ping", id=i))
                r = c.read_json()
                if "result" in r:
                    self.assertEqual(r["id"], i, "the reply names another id")
                elif r["error"]["code"] == RPC_PARSE_ERROR:
                    # Beyond 64 bits json-c would clamp: refused as it is parsed.
                    self.assertError(r, RPC_PARSE_ERROR, id=None, contains="64 bits")
                else:
                    self.assertError(r, RPC_INVALID_REQUEST, id=None, contains="id")

    def test_connection_ends_inside_a_request(self):
        with self.d.connect() as c:
            c.send(b'{"jsonrpc":"2.0","id":1,"method":"system.ping"}\n{"jsonrpc":"2.0","id":2')
            c.sock.shutdown(socket.SHUT_WR)
            self.assertPong(c.read_json(), 1)
            self.assertError(c.read_json(), RPC_PARSE_ERROR, contains="connection ended")
            c.expect_closed()

    def test_half_close_after_complete_requests(self):
        # The client may shut down its side and still collect every answer.
        with self.d.connect() as c:
            c.send(b"".join(encode(request("system.ping", id=i)) for i in range(20)))
            c.sock.shutdown(socket.SHUT_WR)
            for i in range(20):
                self.assertPong(c.read_json(), i)
            c.expect_closed()

    # -- malformed input ----------------------------------------------------

    def bad(self, raw, code, id=None, contains=None):
        """Sends raw (a line), expects the error, then checks the connection still serves."""
        with self.d.connect() as c:
            c.send(raw if raw.endswith(b"\n") else raw + b"\n")
            err = self.assertError(c.read_json(), code, id=id, contains=contains)
            self.assertServes(c, "same-connection")
            return err

    def test_invalid_json(self):
        for raw in (b"{", b"{not json}", b'{"jsonrpc":"2.0",}', b"nul", b"'single'",
                    b'{"a":1} trailing', b'{"a":1}{"b":2}', b'{"jsonrpc":"2.0","id":1,"method":"system.ping"} x',
                    b"\x00", b'{"jsonrpc":"2.0","id":1,\x00"method":"system.ping"}'):
            with self.subTest(raw=raw):
                self.bad(raw, RPC_PARSE_ERROR, contains="parse error")

    def test_invalid_utf8(self):
        for bad in (b"\xff\xfe", b"\x80", b"caf\xc3", b"\xc3\x28", b"\xe2\x82"):
            raw = b'{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"data":"' + bad + b'"}}'
            with self.subTest(raw=raw):
                self.bad(raw, RPC_PARSE_ERROR, contains="utf-8")
        self.bad(b'{"jsonrpc":"2.0","id":1,"method":"system.pi\xc3ng"}', RPC_PARSE_ERROR)

    def test_invalid_utf8_overlong_surrogate_out_of_range(self):
        # Structurally plausible but invalid UTF-8 (RFC 3629): an overlong '/',
        # an overlong 3-byte form, an encoded surrogate, a code point above
        # U+10FFFF and a 0xF5 lead byte. maestrod must refuse them, not echo
        # invalid UTF-8 back.
        for bad in (b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                    b"\xf5\x80\x80\x80"):
            raw = b'{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"data":"' + bad + b'"}}'
            with self.subTest(raw=raw):
                self.bad(raw, RPC_PARSE_ERROR)

    def test_too_deep(self):
        depth = 200
        raw = b'{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"x":' + b"[" * depth + \
              b"]" * depth + b"}}"
        self.bad(raw, RPC_PARSE_ERROR)

    def test_not_an_object(self):
        for raw in (b'"system.ping"', b'""', b" 42 ", b"true ", b"false\t"):
            with self.subTest(raw=raw):
                self.bad(raw, RPC_INVALID_REQUEST, contains="object")

    def test_not_an_object_bare_scalar(self):
        # Valid JSON, just not an object: -32600, not a parse error, also
        # when nothing follows the value on the line, and for a top-level null
        # (which json-c returns as NULL: "parse error at byte 5: success").
        for raw in (b"42", b"-3", b"1.5", b"null", b"true", b"false", b"\ttrue", b"null "):
            with self.subTest(raw=raw):
                self.bad(raw, RPC_INVALID_REQUEST, contains="object")

    def test_batch_array(self):
        batch = json.dumps([request("system.ping", id=1), request("system.ping", id=2)]).encode()
        for raw in (batch, b"[]", b"[1]"):
            with self.subTest(raw=raw):
                self.bad(raw, RPC_INVALID_REQUEST, contains="batch")

    def test_missing_or_wrong_jsonrpc(self):
        for req in ({"id": 5, "method": "system.ping"},
                    {"jsonrpc": "1.0", "id": 5, "method": "system.ping"},
                    {"jsonrpc": 2.0, "id": 5, "method": "system.ping"},
                    {"jsonrpc": None, "id": 5, "method": "system.ping"}):
            with self.subTest(req=req):
                self.bad(json.dumps(req).encode(), RPC_INVALID_REQUEST, id=5, contains="jsonrpc")

    def test_missing_id(self):
        # maestrod takes no notifications: a request without an id is refused,
        # with a null id since there is none to echo.
        self.bad(b'{"jsonrpc":"2.0","method":"system.ping"}', RPC_INVALID_REQUEST, id=None,
                 contains="id")

    def test_invalid_id(self):
        for id in (None, 1.5, True, [1], {"a": 1}, "x" * 257):
            with self.subTest(id=id):
                raw = json.dumps({"jsonrpc": "2.0", "id": id, "method": "system.ping"}).encode()
                self.bad(raw, RPC_INVALID_REQUEST, id=None, contains="id")

    def test_missing_or_bad_method(self):
        cases = [({"jsonrpc": "2.0", "id": "m1"}, "m1"),
                 ({"jsonrpc": "2.0", "id": 9, "method": 3}, 9),
                 ({"jsonrpc": "2.0", "id": 9, "method": ""}, 9),
                 ({"jsonrpc": "2.0", "id": 9, "method": None}, 9),
                 ({"jsonrpc": "2.0", "id": 9, "method": "m" * 129}, 9)]
        for req, id in cases:
            with self.subTest(req=str(req)[:80]):
                self.bad(json.dumps(req).encode(), RPC_INVALID_REQUEST, id=id, contains="method")

    def test_bad_params_member(self):
        for params in (5, "x", True, None):
            with self.subTest(params=params):
                raw = json.dumps({"jsonrpc": "2.0", "id": 3, "method": "system.ping",
                                  "params": params}).encode()
                self.bad(raw, RPC_INVALID_REQUEST, id=3, contains="params")

    def test_unknown_member(self):
        raw = json.dumps({"jsonrpc": "2.0", "id": 4, "method": "system.ping",
                          "extra": 1}).encode()
        self.bad(raw, RPC_INVALID_REQUEST, id=4, contains="extra")

    def test_unknown_method(self):
        for method in ("system.nope", "nope", "system.ping ", "System.Ping"):
            with self.subTest(method=method):
                raw = encode(request(method, id="u"))
                self.bad(raw, RPC_METHOD_NOT_FOUND, id="u", contains=method.strip())

    def test_wrong_params(self):
        cases = [("system.ping", {"data": 5}, "data"),
                 ("system.ping", {"data": None}, "data"),
                 ("system.ping", {"data": ["a"]}, "data"),
                 ("system.ping", {"bogus": "x"}, "bogus"),
                 ("system.ping", {"data": "ok", "bogus": 1}, "bogus"),
                 ("system.ping", ["positional"], "object"),
                 ("system.status", {"verbose": True}, "no params"),
                 ("system.reload", {"file": "/etc/passwd"}, "no params")]
        for method, params, text in cases:
            with self.subTest(method=method, params=params):
                self.bad(encode(request(method, params, id=11)), RPC_INVALID_PARAMS, id=11,
                         contains=text)

    def test_empty_params_accepted(self):
        with self.d.connect() as c:
            self.assertPong(c.call("system.ping", {}, id=1), 1)
            r = c.call("system.status", {}, id=3)
            self.assertEqual(r["result"]["pid"], self.d.pid)
            r = c.call("system.status", [], id=4)
            self.assertEqual(r["result"]["pid"], self.d.pid)

    def test_bad_lines_between_good_ones(self):
        # One write, good and bad interleaved: every line gets its answer, in order.
        lines = [encode(request("system.ping", id=1)), b"{oops\n",
                 encode(request("system.ping", id=2)), b"[]\n",
                 encode(request("nope", id=3)), b'{"jsonrpc":"2.0","id":4,"method":"system.ping","params":{"data":5}}\n',
                 b'\xff\xff\n', encode(request("system.ping", id=5))]
        with self.d.connect() as c:
            c.send(b"".join(lines))
            self.assertPong(c.read_json(), 1)
            self.assertError(c.read_json(), RPC_PARSE_ERROR)
            self.assertPong(c.read_json(), 2)
            self.assertError(c.read_json(), RPC_INVALID_REQUEST)
            self.assertError(c.read_json(), RPC_METHOD_NOT_FOUND, id=3)
            self.assertError(c.read_json(), RPC_INVALID_PARAMS, id=4)
            self.assertError(c.read_json(), RPC_PARSE_ERROR)
            self.assertPong(c.read_json(), 5)


class _SharedDaemon:
    """One daemon for a whole class; stopped and checked (exit status,
    sanitizer reports) in tearDownClass, where a problem fails the run."""

    class _Owner(harness.MaestroTestCase):
        def runTest(self):
            pass

    def __init__(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="maestro-it-")
        self.daemon = harness.Daemon(self._Owner(), self.tmp)
        self.daemon.start()

    def close(self):
        import shutil
        try:
            self.daemon.cleanup()
        except AssertionError:
            sys.stderr.write("\n----- log of the shared maestrod -----\n%s----- end -----\n"
                             % self.daemon.log())
            raise
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


if __name__ == "__main__":
    harness.main()
