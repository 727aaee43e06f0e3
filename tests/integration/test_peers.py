#!/usr/bin/env python3
"""Peer credentials: maestrod admits peers by SO_PEERCRED, not by socket permissions.

Needs root, to run clients as 'nobody'. The socket lives in a world-searchable
directory and is chmod 0666 after start, so the kernel lets nobody connect and
only maestrod's own check stands in the way.
"""

import json
import os
import pwd
import select
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import MaestroTestCase, E_UNAUTHORIZED, encode, request, talk_as  # noqa: E402


class PeerCredentials(MaestroTestCase):
    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to run a client as another user (nobody)")
        try:
            self.nobody = pwd.getpwnam("nobody")
        except KeyError:
            self.skipTest("no 'nobody' user on this machine")
        # World-searchable path down to the socket; the socket itself 0666.
        os.chmod(self.tmp, 0o755)
        self.pub = os.path.join(self.tmp, "pub")
        os.mkdir(self.pub, 0o755)
        os.chmod(self.pub, 0o755)

    def start(self, config=""):
        d = self.start_daemon(socket_path=os.path.join(self.pub, "maestrod.sock"), config=config)
        # maestrod created it 0600; open it up so only SO_PEERCRED decides.
        self.assertEqual(os.stat(d.socket_path).st_mode & 0o777, 0o600)
        os.chmod(d.socket_path, 0o666)
        return d

    def nobody_pings(self, d, groups=(), gid=None):
        return talk_as(self.nobody.pw_uid, self.nobody.pw_gid if gid is None else gid,
                       list(groups), d.socket_path,
                       [encode(request("system.ping", {"data": "from nobody"}, id=1))])

    def assertRefused(self, res):
        self.assertNotIn("error", res, "nobody could not even talk to the socket: %r" % res)
        self.assertTrue(res["lines"], "maestrod closed without saying why: %r" % res)
        reply = json.loads(res["lines"][0])
        self.assertError(reply, E_UNAUTHORIZED, id=None, contains="uid %d" % self.nobody.pw_uid)
        self.assertEqual(len(res["lines"]), 1, "more than the refusal came back: %r" % res)
        self.assertTrue(res["closed"], "maestrod did not close the refused connection")

    def assertServed(self, res):
        self.assertNotIn("error", res, res)
        self.assertEqual(len(res["lines"]), 1, res)
        self.assertPong(json.loads(res["lines"][0]), 1, "from nobody")
        self.assertFalse(res["closed"], "maestrod closed an admitted connection")

    def test_unknown_uid_refused_then_allowed_by_reload(self):
        d = self.start()
        self.assertRefused(self.nobody_pings(d))
        log = d.wait_log("refused a connection from uid %d" % self.nobody.pw_uid)
        refusal = [l for l in log.splitlines() if "refused a connection" in l][0]
        self.assertIn("unauthorized", refusal)
        st = d.status()
        self.assertGreaterEqual(st["connections"]["refused"], 1)
        # root is still served on the same socket.
        with d.connect() as c:
            self.assertServes(c)

        # Allow nobody, reload through maestroctl: nobody is served.
        d.write_config("allowed_uids = nobody\n")
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertServed(self.nobody_pings(d))

        # Take it back with SIGHUP: refused again.
        mark = d.log_size()
        d.write_config("# nobody is gone again\n")
        d.signal(signal.SIGHUP)
        d.wait_log("configuration reloaded", start=mark)
        self.assertRefused(self.nobody_pings(d))

    def test_allowed_uid_by_number_at_start(self):
        d = self.start("allowed_uids = 4242, %d\n" % self.nobody.pw_uid)
        self.assertServed(self.nobody_pings(d))

    def test_allowed_by_primary_group(self):
        d = self.start("allowed_groups = %d\n" % self.nobody.pw_gid)
        self.assertServed(self.nobody_pings(d))

    def test_allowed_by_supplementary_group(self):
        # SO_PEERGROUPS: the kernel's record of the peer's groups at connect.
        d = self.start("allowed_groups = 4242\n")
        self.assertServed(self.nobody_pings(d, groups=[4243, 4242]))
        self.assertRefused(self.nobody_pings(d, groups=[4243]))

    def test_socket_group_members_can_connect(self):
        # socket_group hands the socket to a group (0660) and maestrod makes
        # the directory it creates for it 0710: members of the group must be
        # able to reach the socket and, listed in allowed_groups, be served.
        gid = 4242
        path = os.path.join(self.tmp, "run", "maestro", "maestrod.sock")
        d = self.start_daemon(socket_path=path,
                              config="socket_group = %d\nallowed_groups = %d\n" % (gid, gid))
        st = os.stat(path)
        self.assertEqual((st.st_mode & 0o777, st.st_gid), (0o660, gid))
        self.assertEqual(os.stat(os.path.dirname(path)).st_mode & 0o777, 0o710)
        res = talk_as(self.nobody.pw_uid, self.nobody.pw_gid, [gid], path,
                      [encode(request("system.ping", {"data": "from nobody"}, id=1))])
        self.assertNotIn("error", res, "a member of socket_group cannot reach the socket "
                         "(directory %s is %s, group %d)"
                         % (os.path.dirname(path), oct(os.stat(os.path.dirname(path)).st_mode & 0o777),
                            os.stat(os.path.dirname(path)).st_gid))
        self.assertServed(res)
        # Someone outside the group cannot even reach it.
        res = talk_as(self.nobody.pw_uid, self.nobody.pw_gid, [], path, [b"{}\n"])
        self.assertIn("error", res)

    def test_socket_group_leaves_existing_directory_alone(self):
        # A directory maestrod did not create (think /run or /tmp) keeps its
        # owner, group and mode; only the socket goes to socket_group.
        gid = 4242
        shared = os.path.join(self.tmp, "shared")
        os.mkdir(shared, 0o755)
        os.chmod(shared, 0o755)
        before = os.stat(shared)
        d = self.start_daemon(socket_path=os.path.join(shared, "maestrod.sock"),
                              config="socket_group = %d\n" % gid)
        st = os.stat(d.socket_path)
        self.assertEqual((st.st_mode & 0o777, st.st_gid), (0o660, gid))
        after = os.stat(shared)
        self.assertEqual((after.st_uid, after.st_gid, after.st_mode),
                         (before.st_uid, before.st_gid, before.st_mode),
                         "maestrod changed the owner or mode of %s, a directory it did not create"
                         % shared)

    def test_allowed_by_one_of_many_supplementary_groups(self):
        # More groups than fit maestrod's first SO_PEERGROUPS buffer.
        groups = list(range(5000, 5200))
        d = self.start("allowed_groups = 5199\n")
        self.assertServed(self.nobody_pings(d, groups=groups))
        self.assertRefused(self.nobody_pings(d, groups=groups[:-1]))

    def test_maestroctl_as_refused_user(self):
        d = self.start()
        probe = None
        try:
            probe = self.ctl("--version", user="nobody")
        except PermissionError:
            pass
        if probe is None or probe.returncode != 0:
            self.skipTest("nobody cannot run %s (a directory on its path is closed)"
                          % harness.MAESTROCTL)
        # maestrod refuses at accept time, often before maestroctl has written
        # its request; maestroctl must still read and show the refusal (its
        # reason) rather than just "closed the connection". Several tries, since
        # which side is first is a matter of timing.
        for attempt in range(30):
            p = d.ctl("ping", user="nobody")
            self.assertEqual(p.returncode, 5, (p.stdout, p.stderr))
            self.assertEqual(p.stdout, "")
            self.assertIn("unauthorized", p.stderr, "attempt %d" % attempt)
            self.assertIn("uid %d" % self.nobody.pw_uid, p.stderr)
        d.write_config("allowed_uids = nobody\n")
        self.assertEqual(d.ctl("reload").returncode, 0)
        p = d.ctl("ping", user="nobody")
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    harness.main()
