"""The simulator's patchdeck-fix document (fixes.py) through boto3: a fix
of the fate's kind changes the next pre-check; a package manager that runs
is only stopped with Force=true; a fix of another kind changes nothing.

Run from the repo root:
    python3 -m unittest tests.sim.test_sim_fix
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sim_boto3 import SimTest, instances  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _doc(name):
    with open(os.path.join(REPO, "data", "ssm", name), encoding="utf-8") as fh:
        return fh.read()


class TestFix(SimTest):
    ARGS = ["--seed", "11", "--fleet", "60"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ec2 = cls.sim.client("ec2")
        cls.ssm = cls.sim.client("ssm")
        for name in ("patchdeck-precheck", "patchdeck-fix"):
            cls.ssm.create_document(Content=_doc(name + ".json"), Name=name,
                                    DocumentType="Command", DocumentFormat="JSON")
        run = instances(cls.ec2.describe_instances(Filters=[
            {"Name": "instance-state-name", "Values": ["running"]}]))
        cls.linux = [i["InstanceId"] for i in run if i.get("Platform") != "windows"]
        cls.next = 0

    def take(self, fate):
        i = self.linux[self.next]
        TestFix.next += 1
        self.ec2.create_tags(Resources=[i], Tags=[{"Key": "sim:fail", "Value": fate},
                                                  {"Key": "sim:offline", "Value": "0"}])
        return i

    def run_doc(self, i, doc, **params):
        kw = {"Parameters": {k: [v] for k, v in params.items()}} if params else {}
        c = self.ssm.send_command(InstanceIds=[i], DocumentName=doc, **kw)["Command"]
        self.sim.control("clock", {"advance_s": 4000})
        inv = self.ssm.get_command_invocation(CommandId=c["CommandId"], InstanceId=i)
        return inv

    def line(self, inv, tag):
        lines = [l for l in inv["StandardOutputContent"].splitlines() if l.startswith(tag + " ")]
        self.assertEqual(len(lines), 1, inv["StandardOutputContent"])
        return json.loads(lines[0].split(" ", 1)[1])

    def precheck(self, i):
        return self.line(self.run_doc(i, "patchdeck-precheck"), "PATCHDECK_PRECHECK")

    def fix(self, i, kind, **params):
        inv = self.run_doc(i, "patchdeck-fix", Kind=kind, **params)
        f = self.line(inv, "PATCHDECK_FIX")
        self.assertEqual(list(f), ["v", "kind", "status", "freed_mb", "changed", "error"])
        self.assertEqual(inv["Status"], "Failed" if f["status"] == "failed" else "Success")
        return f

    def test_disk(self):
        i = self.take("disk-full")
        self.assertLess(self.precheck(i)["disk"][0]["free_mb"], 100)
        f = self.fix(i, "repo", RepoMap="http://a/ -> http://b/")
        self.assertEqual(f["status"], "skipped")
        self.assertLess(self.precheck(i)["disk"][0]["free_mb"], 100)
        f = self.fix(i, "disk")
        self.assertEqual(f["status"], "ok")
        self.assertGreaterEqual(f["freed_mb"], 400)
        self.assertIn("journalctl --vacuum-size=200M", f["changed"])
        self.assertGreater(self.precheck(i)["disk"][0]["free_mb"], 1000)

    def test_repo(self):
        i = self.take("repo-unreachable")
        self.assertNotEqual(self.precheck(i)["repo"], "ok")
        self.assertEqual(self.fix(i, "repo")["status"], "skipped")  # no map
        self.assertNotEqual(self.precheck(i)["repo"], "ok")
        f = self.fix(i, "repo", RepoMap="http://old/ -> https://new/")
        self.assertEqual((f["status"], len(f["changed"])), ("ok", 1))
        self.assertEqual(self.precheck(i)["repo"], "ok")

    def test_pkg_lock_running_needs_force(self):
        i = self.take("pkg-lock-running")
        self.assertTrue(self.precheck(i)["pkg_lock"])
        f = self.fix(i, "pkg_lock")
        self.assertEqual(f["status"], "skipped")
        self.assertIn("Force=true", f["error"])
        self.assertTrue(self.precheck(i)["pkg_lock"])
        f = self.fix(i, "pkg_lock", Force="true")
        self.assertEqual(f["status"], "ok")
        self.assertTrue(f["changed"][0].startswith("stopped pid "), f)
        self.assertFalse(self.precheck(i)["pkg_lock"])

    def fate(self, fate):
        i = self.take("none")
        self.sim.control("precheck", {"fates": {i: fate}})
        return i

    def test_precheck_fates(self):
        i = self.fate("disk")
        self.assertLess(self.precheck(i)["disk"][0]["free_mb"], 100)
        self.assertEqual(self.fix(i, "disk")["status"], "ok")
        self.assertEqual(self.sim.control("precheck")[i], "ok")
        self.assertGreater(self.precheck(i)["disk"][0]["free_mb"], 1000)
        for fate in ("repo_url", "repo_unreachable"):
            i = self.fate(fate)
            self.assertEqual(self.fix(i, "repo", RepoMap="http://a/ -> https://b/")["status"], "ok")
            p = self.precheck(i)
            self.assertEqual((p["repo"], len(p["repo_urls"])), ("ok", 1))
        # the pre-check's pkg_lock is a package manager that runs
        i = self.fate("pkg_lock")
        self.assertEqual(self.fix(i, "pkg_lock")["status"], "skipped")
        self.assertTrue(self.precheck(i)["pkg_lock"])
        self.assertEqual(self.fix(i, "pkg_lock", Force="true")["status"], "ok")
        self.assertFalse(self.precheck(i)["pkg_lock"])
        # no fix for a pending reboot
        i = self.fate("reboot_pending")
        self.assertEqual(self.fix(i, "disk")["status"], "ok")
        self.assertEqual(self.sim.control("precheck")[i], "reboot_pending")
        self.assertTrue(self.precheck(i)["reboot_pending"])

    def test_stale_lock(self):
        i = self.take("pkg-lock")
        self.assertEqual(self.fix(i, "pkg_lock")["status"], "ok")
        self.assertFalse(self.precheck(i)["pkg_lock"])
        # a new fault after the fix is not fixed
        self.ec2.create_tags(Resources=[i], Tags=[{"Key": "sim:fail", "Value": "disk-full"}])
        self.assertLess(self.precheck(i)["disk"][0]["free_mb"], 100)


if __name__ == "__main__":
    unittest.main()
