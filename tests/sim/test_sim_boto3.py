"""boto3 against the simulator, for every operation patchdeck uses.

DESIGN.md §10: where boto3 and the simulator disagree, the simulator is
wrong.  Each test class starts its own simulator (sim.py serve on a free
port, signatures on, the keys it prints) and stops it with SIGTERM.

Run from the repo root:
    python3 -m unittest discover -s tests/sim -p 'test_*.py'
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

HERE = os.path.dirname(os.path.abspath(__file__))
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})

PATCH_DOC = json.dumps({
    "schemaVersion": "2.2", "description": "patchdeck Linux patch",
    "parameters": {"executionTimeout": {"type": "String", "default": "3600"}},
    "mainSteps": [{"action": "aws:runShellScript", "name": "patch",
                   "inputs": {"runCommand": ["echo patch"]}}]})


class Sim:
    """One simulator process; env is the dict of lines it printed."""

    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="patchdeck-sim-")
        self._logf = open(os.path.join(self.dir, "sim.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "sim.py"), "serve", "--port", "0",
             "--state-dir", self.dir] + list(args),
            stdout=subprocess.PIPE, stderr=self._logf, text=True)
        self.env = {}
        deadline = time.time() + 120
        while "PATCHDECK_SIM_REGIONS" not in self.env:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("simulator exited: " + self.log())
            k, _, v = line.strip().partition("=")
            self.env[k] = v
            if time.time() > deadline:
                raise RuntimeError("simulator not ready")
        n = int(self.env["PATCHDECK_SIM_ACCOUNTS"])
        while "PATCHDECK_SIM_ACCOUNT_%d_SECRET" % n not in self.env:
            k, _, v = self.proc.stdout.readline().strip().partition("=")
            self.env[k] = v
        self.url = self.env["AWS_ENDPOINT_URL"]

    def log(self):
        with open(os.path.join(self.dir, "sim.log")) as f:
            return f.read()

    def client(self, service, account=1, **kw):
        e = self.env
        args = dict(endpoint_url=self.url, region_name=kw.pop("region_name", e["AWS_REGION"]),
                    aws_access_key_id=e["PATCHDECK_SIM_ACCOUNT_%d_KEY" % account],
                    aws_secret_access_key=e["PATCHDECK_SIM_ACCOUNT_%d_SECRET" % account])
        args.update(kw)
        return boto3.session.Session().client(service, **args)

    def control(self, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/_sim/" + path, data=data,
                                     method="POST" if data is not None else "GET")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=15)
        self.proc.stdout.close()
        self._logf.close()
        return rc


def instances(resp):
    return [i for r in resp["Reservations"] for i in r["Instances"]]


class SimTest(unittest.TestCase):
    ARGS = ["--seed", "7", "--fleet", "300"]

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(*cls.ARGS)

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        log = cls.sim.log()
        assert rc == 0, "simulator exit status %s\n%s" % (rc, log)
        assert "Traceback" not in log, log


class TestEc2(SimTest):
    def setUp(self):
        self.ec2 = self.sim.client("ec2")

    def test_describe_pages(self):
        everything = instances(self.ec2.describe_instances())
        self.assertEqual(len(everything), 300)
        seen, token, pages = [], None, 0
        while True:
            kw = {"MaxResults": 40}
            if token:
                kw["NextToken"] = token
            r = self.ec2.describe_instances(**kw)
            got = instances(r)
            self.assertLessEqual(len(got), 40)
            seen += [i["InstanceId"] for i in got]
            pages += 1
            token = r.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 8)
        self.assertEqual(seen, [i["InstanceId"] for i in everything])
        one = everything[0]
        for k in ("InstanceId", "ImageId", "State", "PrivateIpAddress", "PrivateDnsName",
                  "InstanceType", "LaunchTime", "Placement", "Architecture", "Tags",
                  "PlatformDetails"):
            self.assertIn(k, one)

    def test_describe_errors(self):
        with self.assertRaises(ClientError) as cm:
            self.ec2.describe_instances(MaxResults=2000)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameterValue")
        with self.assertRaises(ClientError) as cm:
            self.ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidInstanceID.NotFound")

    def test_filters(self):
        r = instances(self.ec2.describe_instances(Filters=[
            {"Name": "tag:PatchWindow", "Values": ["sun-0200", "tue-2200"]},
            {"Name": "instance-state-name", "Values": ["running"]}], MaxResults=1000))
        self.assertTrue(r)
        for i in r:
            tags = {t["Key"]: t["Value"] for t in i["Tags"]}
            self.assertIn(tags["PatchWindow"], ("sun-0200", "tue-2200"))
            self.assertEqual(i["State"]["Name"], "running")
        win = instances(self.ec2.describe_instances(
            Filters=[{"Name": "platform", "Values": ["windows"]}]))
        self.assertTrue(win)
        self.assertTrue(all(i.get("Platform") == "windows" for i in win))
        self.assertTrue(len(win) < 100)
        keyed = instances(self.ec2.describe_instances(
            Filters=[{"Name": "tag-key", "Values": ["PatchException"]}]))
        self.assertTrue(all(any(t["Key"] == "PatchException" for t in i["Tags"]) for i in keyed))
        ids = [i["InstanceId"] for i in win[:3]]
        byid = instances(self.ec2.describe_instances(
            Filters=[{"Name": "instance-id", "Values": ids}]))
        self.assertEqual(sorted(i["InstanceId"] for i in byid), sorted(ids))
        byid2 = instances(self.ec2.describe_instances(InstanceIds=ids))
        self.assertEqual(sorted(i["InstanceId"] for i in byid2), sorted(ids))

    def test_instance_status_pages(self):
        seen, token, pages = [], None, 0
        while True:
            kw = {"MaxResults": 100, "IncludeAllInstances": True}
            if token:
                kw["NextToken"] = token
            r = self.ec2.describe_instance_status(**kw)
            pages += 1
            seen += [x["InstanceId"] for x in r["InstanceStatuses"]]
            token = r.get("NextToken")
            if not token:
                break
        self.assertGreaterEqual(pages, 3)
        self.assertEqual(len(seen), len(set(seen)))
        everyone = instances(self.ec2.describe_instances())
        live = [i for i in everyone if i["State"]["Name"] != "terminated"]
        self.assertEqual(len(seen), len(live))
        running = self.ec2.describe_instance_status(MaxResults=1000)["InstanceStatuses"]
        self.assertTrue(all(x["InstanceState"]["Name"] == "running" for x in running))
        stopped = [i["InstanceId"] for i in live if i["State"]["Name"] == "stopped"][:3]
        r = self.ec2.describe_instance_status(InstanceIds=stopped, IncludeAllInstances=True)
        self.assertEqual([x["InstanceStatus"]["Status"] for x in r["InstanceStatuses"]],
                         ["not-applicable"] * len(stopped))

    def test_tags_start_stop(self):
        iid = instances(self.ec2.describe_instances(MaxResults=5))[0]["InstanceId"]
        hostile = "x\u009b31m\u202eevil\u200b<&>\"'" + "y" * 300
        self.ec2.create_tags(Resources=[iid], Tags=[{"Key": "ssm-patch-now", "Value": "run-1"},
                                                     {"Key": "Hostile", "Value": hostile}])
        i = instances(self.ec2.describe_instances(InstanceIds=[iid]))[0]
        tags = {t["Key"]: t["Value"] for t in i["Tags"]}
        self.assertEqual(tags["ssm-patch-now"], "run-1")
        self.assertEqual(tags["Hostile"], hostile)
        self.ec2.delete_tags(Resources=[iid], Tags=[{"Key": "ssm-patch-now"}])
        i = instances(self.ec2.describe_instances(InstanceIds=[iid]))[0]
        self.assertNotIn("ssm-patch-now", {t["Key"] for t in i["Tags"]})
        r = self.ec2.stop_instances(InstanceIds=[iid])
        self.assertEqual(r["StoppingInstances"][0]["InstanceId"], iid)
        i = instances(self.ec2.describe_instances(InstanceIds=[iid]))[0]
        self.assertEqual(i["State"]["Name"], "stopped")
        self.ec2.start_instances(InstanceIds=[iid])
        i = instances(self.ec2.describe_instances(InstanceIds=[iid]))[0]
        self.assertEqual(i["State"]["Name"], "running")
        tags = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [iid]}])
        self.assertIn("Hostile", {t["Key"] for t in tags["Tags"]})

    def test_fleet_hostile_values_parse(self):
        # Any hostile value the generator planted must survive XML unchanged.
        allv = [t["Value"] for i in instances(self.ec2.describe_instances())
                for t in i.get("Tags", [])]
        self.assertTrue(any("\u202e" in v or "\u009b" in v for v in allv))
        self.assertTrue(any(len(v) >= 4990 for v in allv))


class TestSsm(SimTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ec2 = cls.sim.client("ec2")
        cls.ssm = cls.sim.client("ssm")
        cls.ssm.create_document(Content=PATCH_DOC, Name="patchdeck-patch-linux",
                                DocumentType="Command", DocumentFormat="JSON")
        cls.ssm.create_document(Content=PATCH_DOC.replace("patch\"", "precheck\""),
                                Name="patchdeck-precheck", DocumentType="Command",
                                DocumentFormat="JSON")
        cls.sim.client("s3").create_bucket(Bucket="patch-out")
        run = instances(cls.ec2.describe_instances(Filters=[
            {"Name": "instance-state-name", "Values": ["running"]}]))
        cls.linux = [i["InstanceId"] for i in run if i.get("Platform") != "windows"]
        cls.windows = [i["InstanceId"] for i in run if i.get("Platform") == "windows"]

    def tag(self, ids, **kv):
        self.ec2.create_tags(Resources=ids, Tags=[{"Key": k, "Value": v}
                                                   for k, v in kv.items()])

    def advance(self, s):
        self.sim.control("clock", {"advance_s": s})

    def test_documents(self):
        d = self.ssm.describe_document(Name="patchdeck-patch-linux")["Document"]
        self.assertEqual(d["Name"], "patchdeck-patch-linux")
        u = self.ssm.update_document(Name="patchdeck-patch-linux", DocumentVersion="$LATEST",
                                     Content=PATCH_DOC.replace("Linux patch", "Linux patch v2"))
        self.assertEqual(u["DocumentDescription"]["DocumentVersion"], "2")

    def test_document_versions(self):
        # what setup does: Hash is the SHA-256 of the content; a new version
        # becomes the default only through UpdateDocumentDefaultVersion
        import hashlib
        name = "patchdeck-versioned"
        c1, c2 = PATCH_DOC, PATCH_DOC.replace("Linux patch", "Linux patch v2")
        with self.assertRaises(ClientError) as e:
            self.ssm.describe_document(Name=name)
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidDocument")
        self.ssm.create_document(Content=c1, Name=name, DocumentType="Command", DocumentFormat="JSON")
        d = self.ssm.describe_document(Name=name)["Document"]
        self.assertEqual(d["Hash"], hashlib.sha256(c1.encode()).hexdigest())
        self.assertEqual((d["DefaultVersion"], d["LatestVersion"]), ("1", "1"))
        u = self.ssm.update_document(Name=name, Content=c2, DocumentVersion="$LATEST",
                                     DocumentFormat="JSON")["DocumentDescription"]
        self.assertEqual(u["DocumentVersion"], "2")
        d = self.ssm.describe_document(Name=name)["Document"]
        self.assertEqual((d["DefaultVersion"], d["LatestVersion"]), ("1", "2"))
        self.assertEqual(d["Hash"], hashlib.sha256(c1.encode()).hexdigest())
        v2 = self.ssm.describe_document(Name=name, DocumentVersion="2")["Document"]
        self.assertEqual(v2["Hash"], hashlib.sha256(c2.encode()).hexdigest())
        self.ssm.update_document_default_version(Name=name, DocumentVersion="2")
        d = self.ssm.describe_document(Name=name)["Document"]
        self.assertEqual((d["DefaultVersion"], d["Hash"]), ("2", v2["Hash"]))
        with self.assertRaises(ClientError) as e:
            self.ssm.update_document(Name=name, Content=c2, DocumentVersion="$LATEST",
                                     DocumentFormat="JSON")
        self.assertEqual(e.exception.response["Error"]["Code"], "DuplicateDocumentContent")

    def test_instance_information_pages(self):
        seen, token = [], None
        while True:
            kw = {"MaxResults": 50}
            if token:
                kw["NextToken"] = token
            r = self.ssm.describe_instance_information(**kw)
            self.assertLessEqual(len(r["InstanceInformationList"]), 50)
            seen += r["InstanceInformationList"]
            token = r.get("NextToken")
            if not token:
                break
        self.assertGreater(len(seen), 250)
        self.assertEqual(len({x["InstanceId"] for x in seen}), len(seen))
        pings = {x["PingStatus"] for x in seen}
        self.assertEqual(pings, {"Online", "ConnectionLost"})
        self.assertEqual({x["PlatformType"] for x in seen}, {"Linux", "Windows"})
        online = self.ssm.describe_instance_information(
            Filters=[{"Key": "PingStatus", "Values": ["Online"]}], MaxResults=50)
        self.assertTrue(all(x["PingStatus"] == "Online"
                            for x in online["InstanceInformationList"]))
        two = self.ssm.describe_instance_information(InstanceInformationFilterList=[
            {"key": "InstanceIds", "valueSet": self.linux[:2]}])
        self.assertEqual({x["InstanceId"] for x in two["InstanceInformationList"]},
                         set(self.linux[:2]))
        with self.assertRaises(ClientError):
            self.ssm.describe_instance_information(MaxResults=51)

    def test_unmanaged_left_out(self):
        iid = self.linux[21]
        self.tag([iid], **{"sim:unmanaged": "1"})
        try:
            r = self.ssm.describe_instance_information(InstanceInformationFilterList=[
                {"key": "InstanceIds", "valueSet": [iid, self.linux[22]]}])
            self.assertEqual({x["InstanceId"] for x in r["InstanceInformationList"]},
                             {self.linux[22]})
        finally:
            self.tag([iid], **{"sim:unmanaged": "0"})

    def test_instance_information_fields_set(self):
        iid = self.linux[20]
        hostile = "Ubuntu\x1b]0;PWNED\x07\x01"
        self.sim.control("ssm/instance", {"id": iid, "fields": {
            "PlatformName": hostile, "AgentVersion": "\x1b[2J9.9"}})
        r = self.ssm.describe_instance_information(InstanceInformationFilterList=[
            {"key": "InstanceIds", "valueSet": [iid]}])["InstanceInformationList"]
        self.assertEqual(len(r), 1)
        self.assertEqual(r[0]["PlatformName"], hostile)
        self.assertEqual(r[0]["AgentVersion"], "\x1b[2J9.9")
        with self.assertRaises(urllib.error.HTTPError) as e:
            self.sim.control("ssm/instance", {"id": iid, "fields": {"InstanceId": "x"}})
        self.assertEqual(e.exception.code, 400)

    def test_patch_run(self):
        ok, reboot, disk, off = self.linux[10:14]
        self.tag([ok], **{"sim:fail": "none"})
        self.tag([reboot], **{"sim:fail": "reboot"})
        self.tag([disk], **{"sim:fail": "disk-full"})
        self.tag([off], **{"sim:fail": "agent-offline"})
        c = self.ssm.send_command(InstanceIds=[ok, reboot, disk, off],
                                  DocumentName="patchdeck-patch-linux", Comment="night 1",
                                  MaxConcurrency="2", MaxErrors="5",
                                  OutputS3BucketName="patch-out",
                                  OutputS3KeyPrefix="ssm")["Command"]
        cid = c["CommandId"]
        self.assertEqual(c["Status"], "Pending")
        self.assertEqual(c["TargetCount"], 4)
        inv = self.ssm.get_command_invocation(CommandId=cid, InstanceId=ok)
        self.assertIn(inv["Status"], ("Pending", "InProgress"))
        self.advance(7200)
        inv = self.ssm.get_command_invocation(CommandId=cid, InstanceId=ok, PluginName="patch")
        self.assertEqual(inv["Status"], "Success")
        self.assertEqual(inv["ResponseCode"], 0)
        lines = [l for l in inv["StandardOutputContent"].splitlines()
                 if l.startswith("PATCHDECK_RESULT ")]
        self.assertEqual(len(lines), 1)
        res = json.loads(lines[0].split(" ", 1)[1])
        self.assertEqual(res["v"], 1)
        self.assertEqual(res["status"], "ok")
        self.assertEqual(res["reboot"], "none")
        r2 = self.ssm.get_command_invocation(CommandId=cid, InstanceId=reboot)
        full = r2["StandardOutputContent"]
        if len(full) < 24000:
            rl = [json.loads(l.split(" ", 1)[1]) for l in full.splitlines()
                  if l.startswith("PATCHDECK_RESULT ")]
            self.assertEqual([x["reboot"] for x in rl], ["required", "done"])
            self.assertNotEqual(rl[1]["kernel_after"], rl[0]["kernel_before"])
        d = self.ssm.get_command_invocation(CommandId=cid, InstanceId=disk)
        self.assertEqual((d["Status"], d["ResponseCode"]), ("Failed", 1))
        self.assertIn('"status":"failed"', d["StandardOutputContent"])
        o = self.ssm.get_command_invocation(CommandId=cid, InstanceId=off)
        self.assertEqual(o["StatusDetails"], "Undeliverable")
        # Full output in S3 at SSM's key layout.
        s3 = self.sim.client("s3")
        key = "ssm/%s/%s/awsrunShellScript/0.aws-runShellScript/stdout" % (cid, reboot)
        body = s3.get_object(Bucket="patch-out", Key=key)["Body"].read().decode()
        self.assertEqual(body.count("PATCHDECK_RESULT "), 2)
        # ListCommandInvocations pages and details.
        seen, token = [], None
        while True:
            kw = {"CommandId": cid, "Details": True, "MaxResults": 3}
            if token:
                kw["NextToken"] = token
            r = self.ssm.list_command_invocations(**kw)
            seen += r["CommandInvocations"]
            token = r.get("NextToken")
            if not token:
                break
        self.assertEqual(sorted(x["InstanceId"] for x in seen), sorted([ok, reboot, disk, off]))
        plug = [x for x in seen if x["InstanceId"] == ok][0]["CommandPlugins"][0]
        self.assertEqual(plug["Name"], "patch")
        self.assertIn("PATCHDECK_RESULT", plug["Output"][-2500:] + inv["StandardOutputContent"])
        cmds = self.ssm.list_commands(CommandId=cid)["Commands"]
        self.assertEqual(len(cmds), 1)
        self.assertEqual(cmds[0]["Status"], "Failed")
        self.assertEqual(cmds[0]["ErrorCount"], 1)
        self.assertEqual(cmds[0]["CompletedCount"], 4)

    def test_targets_cancel_and_max_errors(self):
        ids = self.linux[20:26]
        self.tag(ids, **{"ssm-patch-now": "run-42", "sim:fail": "none"})
        c = self.ssm.send_command(Targets=[{"Key": "tag:ssm-patch-now", "Values": ["run-42"]}],
                                  DocumentName="patchdeck-patch-linux", MaxConcurrency="1",
                                  MaxErrors="0")["Command"]
        self.assertEqual(c["TargetCount"], 6)
        self.advance(5)
        self.ssm.cancel_command(CommandId=c["CommandId"])
        self.advance(5)
        r = self.ssm.list_commands(CommandId=c["CommandId"])["Commands"][0]
        self.assertEqual(r["Status"], "Cancelled")
        invs = self.ssm.list_command_invocations(CommandId=c["CommandId"])["CommandInvocations"]
        self.assertEqual({i["Status"] for i in invs}, {"Cancelled"})
        # MaxErrors=0: the first failure stops sending to the rest.
        bad = self.linux[30:34]
        self.tag(bad, **{"sim:fail": "pkg-lock"})
        c = self.ssm.send_command(InstanceIds=bad, DocumentName="patchdeck-patch-linux",
                                  MaxConcurrency="1", MaxErrors="0")["Command"]
        self.advance(7200)
        r = self.ssm.list_commands(CommandId=c["CommandId"])["Commands"][0]
        self.assertEqual((r["Status"], r["ErrorCount"]), ("Failed", 1))
        st = [self.ssm.get_command_invocation(CommandId=c["CommandId"], InstanceId=i)["Status"]
              for i in bad]
        self.assertEqual(st, ["Failed", "Cancelled", "Cancelled", "Cancelled"])

    def test_precheck_and_windows(self):
        lin, win = self.linux[40], self.windows[0]
        self.tag([lin, win], **{"sim:fail": "none"})
        c = self.ssm.send_command(InstanceIds=[lin], DocumentName="patchdeck-precheck")["Command"]
        w = self.ssm.send_command(InstanceIds=[win],
                                  DocumentName="AWS-InstallWindowsUpdates")["Command"]
        self.advance(4000)
        out = self.ssm.get_command_invocation(CommandId=c["CommandId"],
                                              InstanceId=lin)["StandardOutputContent"]
        pre = [l for l in out.splitlines() if l.startswith("PATCHDECK_PRECHECK ")]
        self.assertEqual(len(pre), 1)
        self.assertEqual(json.loads(pre[0].split(" ", 1)[1])["v"], 1)
        wo = self.ssm.get_command_invocation(CommandId=w["CommandId"], InstanceId=win)
        self.assertEqual(wo["Status"], "Success")
        self.assertRegex(wo["StandardOutputContent"],
                         r"(Installed \d+ updates\.|No updates to install\.)")

    def test_precheck_fates(self):
        """Every pre-check fate (world.PRECHECK_FATES) set through POST
        /_sim/precheck, one instance each, sent by tag as patchdeck sends
        it; DescribeInstanceStatus impairs the status_check one."""
        fates = ["ok", "disk", "repo_unreachable", "repo_url", "pkg_lock",
                 "reboot_pending", "load", "agent_offline", "status_check",
                 "undeliverable", "timeout", "malformed", "hostile"]
        ids = self.linux[100:100 + len(fates)]
        want = dict(zip(ids, fates))
        self.sim.control("precheck", {"fates": want})
        self.assertEqual(self.sim.control("precheck")[ids[1]], "disk")
        self.tag(ids, **{"patchdeck:precheck": "t1"})
        info = self.ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": ids}])["InstanceInformationList"]
        ping = {i["InstanceId"]: i["PingStatus"] for i in info}
        self.assertEqual(ping[ids[7]], "ConnectionLost")
        self.assertEqual(ping[ids[0]], "Online")
        c = self.ssm.send_command(Targets=[{"Key": "tag:patchdeck:precheck", "Values": ["t1"]}],
                                  DocumentName="patchdeck-precheck", MaxConcurrency="100%",
                                  MaxErrors="100%")["Command"]
        self.advance(700)
        got = {}
        for page in self.ssm.get_paginator("list_command_invocations").paginate(
                CommandId=c["CommandId"], Details=True):
            for inv in page["CommandInvocations"]:
                got[inv["InstanceId"]] = inv
        self.assertEqual(set(got), set(ids))

        def line(i):
            out = got[i]["CommandPlugins"][0]["Output"]
            pre = [l for l in out.splitlines() if l.startswith("PATCHDECK_PRECHECK ")]
            return json.loads(pre[0].split(" ", 1)[1]) if pre else None
        by = {f: i for i, f in want.items()}
        self.assertEqual(line(by["ok"])["reboot_pending"], False)
        self.assertLessEqual(line(by["disk"])["disk"][0]["free_pct"], 1)
        self.assertTrue(line(by["repo_unreachable"])["repo"].startswith("Curl error"))
        self.assertIn("http://untrusted.example.net/", " ".join(line(by["repo_url"])["repo_urls"]))
        self.assertTrue(line(by["pkg_lock"])["pkg_lock"])
        self.assertTrue(line(by["reboot_pending"])["reboot_pending"])
        self.assertEqual(line(by["load"])["load1"], 64.0)
        self.assertEqual(got[by["agent_offline"]]["StatusDetails"], "Undeliverable")
        self.assertEqual(got[by["undeliverable"]]["StatusDetails"], "Undeliverable")
        self.assertEqual(got[by["timeout"]]["StatusDetails"], "ExecutionTimedOut")
        with self.assertRaises(ValueError):
            line(by["malformed"])
        self.assertIn("\x1b]0;pwned", got[by["hostile"]]["CommandPlugins"][0]["Output"])
        self.assertIsNotNone(line(by["hostile"]))
        st = self.ec2.describe_instance_status(InstanceIds=ids, IncludeAllInstances=True)
        checks = {x["InstanceId"]: x["InstanceStatus"]["Status"]
                  for x in st["InstanceStatuses"]}
        self.assertEqual(checks[by["status_check"]], "impaired")
        self.assertEqual(checks[by["ok"]], "ok")
        # A fix (or anything) changes the fate: the next pre-check passes.
        self.sim.control("precheck", {"fates": {by["disk"]: "ok"}})
        c = self.ssm.send_command(InstanceIds=[by["disk"]],
                                  DocumentName="patchdeck-precheck")["Command"]
        self.advance(700)
        out = self.ssm.get_command_invocation(CommandId=c["CommandId"],
                                              InstanceId=by["disk"])["StandardOutputContent"]
        self.assertIn('"free_pct":60', out)
        self.sim.control("precheck", {"fates": {i: None for i in ids}})
        self.ec2.delete_tags(Resources=ids, Tags=[{"Key": "patchdeck:precheck"}])
        with self.assertRaises(urllib.error.HTTPError):
            self.sim.control("precheck", {"fates": {ids[0]: "nonsense"}})

    def test_errors(self):
        with self.assertRaises(ClientError) as cm:
            self.ssm.get_command_invocation(CommandId="00000000-0000-4000-8000-000000000000",
                                            InstanceId=self.linux[0])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvocationDoesNotExist")
        with self.assertRaises(ClientError) as cm:
            self.ssm.send_command(InstanceIds=["i-%017x" % n for n in range(51)],
                                  DocumentName="patchdeck-patch-linux")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")


class TestOtherServices(SimTest):
    ARGS = ["--seed", "3", "--fleet", "none"]

    def test_dynamodb(self):
        ddb = self.sim.client("dynamodb")
        ddb.create_table(TableName="patchdeck-exceptions", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "instance_id",
                                                "AttributeType": "S"},
                                               {"AttributeName": "exception_id",
                                                "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "instance_id", "KeyType": "HASH"},
                                    {"AttributeName": "exception_id", "KeyType": "RANGE"}])
        self.assertEqual(ddb.describe_table(TableName="patchdeck-exceptions")["Table"]
                         ["TableStatus"], "ACTIVE")
        for n in range(7):
            ddb.put_item(TableName="patchdeck-exceptions",
                         Item={"instance_id": {"S": "i-1"}, "exception_id": {"S": "e%d" % n},
                               "status": {"S": "PENDING"}, "requested_by": {"S": "alice"}})
        key = {"instance_id": {"S": "i-1"}, "exception_id": {"S": "e0"}}
        ddb.update_item(TableName="patchdeck-exceptions", Key=key,
                        UpdateExpression="SET #s = :new, decided_by = :who",
                        ConditionExpression="#s = :old AND requested_by <> :who",
                        ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":new": {"S": "APPROVED"},
                                                   ":old": {"S": "PENDING"},
                                                   ":who": {"S": "bob"}})
        with self.assertRaises(ClientError) as cm:
            ddb.update_item(TableName="patchdeck-exceptions", Key=key,
                            UpdateExpression="SET #s = :new",
                            ConditionExpression="#s = :old",
                            ExpressionAttributeNames={"#s": "status"},
                            ExpressionAttributeValues={":new": {"S": "REJECTED"},
                                                       ":old": {"S": "PENDING"}})
        self.assertEqual(cm.exception.response["Error"]["Code"],
                         "ConditionalCheckFailedException")
        q = ddb.query(TableName="patchdeck-exceptions",
                      KeyConditionExpression="instance_id = :i",
                      ExpressionAttributeValues={":i": {"S": "i-1"}})
        self.assertEqual(q["Count"], 7)
        items, start = [], None
        while True:
            kw = {"TableName": "patchdeck-exceptions", "Limit": 3}
            if start:
                kw["ExclusiveStartKey"] = start
            r = ddb.scan(**kw)
            items += r["Items"]
            start = r.get("LastEvaluatedKey")
            if not start:
                break
        self.assertEqual(len(items), 7)
        ddb.put_item(TableName="patchdeck-exceptions",
                     Item={"instance_id": {"S": "lock#sun-0200#2026-01-04"},
                           "exception_id": {"S": "-"}},
                     ConditionExpression="attribute_not_exists(instance_id)")
        with self.assertRaises(ClientError):
            ddb.put_item(TableName="patchdeck-exceptions",
                         Item={"instance_id": {"S": "lock#sun-0200#2026-01-04"},
                               "exception_id": {"S": "-"}},
                         ConditionExpression="attribute_not_exists(instance_id)")

    def test_s3(self):
        s3 = self.sim.client("s3")
        s3.create_bucket(Bucket="patchdeck-results")
        for n in range(5):
            s3.put_object(Bucket="patchdeck-results",
                          Key="p/results/dt=2026-01-04/run=r 1/i-%d+ü.json" % n,
                          Body=json.dumps({"n": n}).encode())
        keys, token = [], None
        while True:
            kw = {"Bucket": "patchdeck-results", "Prefix": "p/results/", "MaxKeys": 2}
            if token:
                kw["ContinuationToken"] = token
            r = s3.list_objects_v2(**kw)
            keys += [o["Key"] for o in r.get("Contents", [])]
            token = r.get("NextContinuationToken")
            if not r.get("IsTruncated"):
                break
        self.assertEqual(len(keys), 5)
        body = s3.get_object(Bucket="patchdeck-results", Key=keys[0])["Body"].read()
        self.assertIn(b'"n"', body)

    def test_bucket_checks(self):
        # setup's bucket check: HeadBucket, GetPublicAccessBlock,
        # GetBucketPolicyStatus (the last one is the simulator's, s3_policy.py)
        s3 = self.sim.client("s3")
        s3.create_bucket(Bucket="pd-check")
        s3.head_bucket(Bucket="pd-check")
        with self.assertRaises(ClientError) as e:
            s3.head_bucket(Bucket="pd-no-such-bucket")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        for call, code in ((s3.get_bucket_policy_status, "NoSuchBucketPolicy"),
                           (s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration")):
            with self.assertRaises(ClientError) as e:
                call(Bucket="pd-check")
            self.assertEqual(e.exception.response["Error"]["Code"], code)
        with self.assertRaises(ClientError) as e:
            s3.get_bucket_policy_status(Bucket="pd-no-such-bucket")
        self.assertEqual(e.exception.response["Error"]["Code"], "NoSuchBucket")
        stmt = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::pd-check/*"}
        s3.put_bucket_policy(Bucket="pd-check", Policy=json.dumps({"Statement": [
            dict(stmt, Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})]}))
        self.assertFalse(s3.get_bucket_policy_status(Bucket="pd-check")["PolicyStatus"]["IsPublic"])
        s3.put_bucket_policy(Bucket="pd-check", Policy=json.dumps({"Statement": [stmt]}))
        self.assertTrue(s3.get_bucket_policy_status(Bucket="pd-check")["PolicyStatus"]["IsPublic"])
        s3.put_public_access_block(Bucket="pd-check", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        b = s3.get_public_access_block(Bucket="pd-check")["PublicAccessBlockConfiguration"]
        self.assertTrue(all(b.values()))

    def test_athena(self):
        if not os.path.exists(os.path.join(HERE, "athena.py")):
            self.skipTest("tests/sim/athena.py not there yet (being written separately)")
        if "falling back to moto's Athena" in self.sim.log():
            self.skipTest("athena.py present but did not load: see sim log")
        s3 = self.sim.client("s3")
        s3.create_bucket(Bucket="athena-res")
        s3.put_object(Bucket="athena-res", Key="r/results/dt=2026-01-04/run=r1/i-1.json",
                      Body=b'{"instance_id":"i-1","status":"ok"}\n')
        ath = self.sim.client("athena")
        q = ath.start_query_execution(QueryString="SELECT 1",
                                      ResultConfiguration={"OutputLocation":
                                                           "s3://athena-res/out/"})
        qid = q["QueryExecutionId"]
        for _ in range(50):
            st = ath.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
            if st["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                break
            time.sleep(0.1)
        self.assertIn(st["State"], ("SUCCEEDED", "FAILED"))
        if st["State"] == "SUCCEEDED":
            ath.get_query_results(QueryExecutionId=qid)

    def test_sns(self):
        sns = self.sim.client("sns")
        arn = sns.create_topic(Name="patchdeck-exceptions")["TopicArn"]
        sns.publish(TopicArn=arn, Subject="Untracked exceptions",
                    Message="i-1 carries PatchException \u202e without a record")
        msgs = self.sim.control("sns")
        self.assertTrue(any(m["topic"] == arn and m["subject"] == "Untracked exceptions" and
                            "\u202e" in m["message"] for m in msgs))

    def test_sts(self):
        sts = self.sim.client("sts")
        me = sts.get_caller_identity()
        self.assertEqual(me["Account"], self.sim.env["PATCHDECK_SIM_ACCOUNT_1_ID"])
        cr = sts.assume_role(RoleArn="arn:aws:iam::%s:role/patchdeck" % me["Account"],
                             RoleSessionName="night")["Credentials"]
        ec2 = self.sim.client("ec2", aws_access_key_id=cr["AccessKeyId"],
                              aws_secret_access_key=cr["SecretAccessKey"],
                              aws_session_token=cr["SessionToken"])
        ec2.describe_instances(MaxResults=5)
        bad = self.sim.client("ec2", aws_access_key_id=cr["AccessKeyId"],
                              aws_secret_access_key=cr["SecretAccessKey"],
                              aws_session_token="wrong", config=NO_RETRY)
        with self.assertRaises(ClientError):
            bad.describe_instances(MaxResults=5)

    def test_bad_signatures(self):
        want = {"ec2": "SignatureDoesNotMatch", "ssm": "InvalidSignatureException",
                "dynamodb": "InvalidSignatureException", "s3": "SignatureDoesNotMatch",
                "sts": "SignatureDoesNotMatch", "sns": "SignatureDoesNotMatch",
                "athena": "InvalidSignatureException"}
        calls = {"ec2": lambda c: c.describe_instances(MaxResults=5),
                 "ssm": lambda c: c.list_commands(),
                 "dynamodb": lambda c: c.list_tables(), "s3": lambda c: c.list_buckets(),
                 "sts": lambda c: c.get_caller_identity(), "sns": lambda c: c.list_topics(),
                 "athena": lambda c: c.list_work_groups()}
        for svc, code in want.items():
            c = self.sim.client(svc, aws_secret_access_key="x" * 40, config=NO_RETRY)
            with self.assertRaises(ClientError, msg=svc) as cm:
                calls[svc](c)
            self.assertEqual(cm.exception.response["Error"]["Code"], code, svc)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        unknown = self.sim.client("sts", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                                  aws_secret_access_key="x" * 40, config=NO_RETRY)
        with self.assertRaises(ClientError) as cm:
            unknown.get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")
        req = urllib.request.Request(self.sim.url + "/", data=b"Action=DescribeInstances&"
                                     b"Version=2016-11-15", method="POST", headers={
                                         "Content-Type": "application/x-www-form-urlencoded"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"MissingAuthenticationToken", cm.exception.read())
        log = self.sim.control("log")
        self.assertTrue(any(r["signature_ok"] is False for r in log))
        self.assertTrue(all({"t", "service", "op", "access_key", "status", "fault",
                             "signature_ok"} <= set(r) for r in log))


class TestFaults(SimTest):
    ARGS = ["--seed", "5", "--fleet", "20", "--faults", "throttle=1.0"]

    def test_throttle_codes(self):
        want = {"ec2": ("RequestLimitExceeded", 503, lambda c: c.describe_instances()),
                "ssm": ("ThrottlingException", 400, lambda c: c.list_commands()),
                "dynamodb": ("ProvisionedThroughputExceededException", 400,
                             lambda c: c.list_tables()),
                "s3": ("SlowDown", 503, lambda c: c.list_buckets()),
                "sns": ("Throttling", 400, lambda c: c.list_topics()),
                "sts": ("Throttling", 400, lambda c: c.get_caller_identity())}
        self.sim.control("faults", {"throttle": 1.0, "seed": 5})
        for svc, (code, status, call) in want.items():
            with self.assertRaises(ClientError, msg=svc) as cm:
                call(self.sim.client(svc, config=NO_RETRY))
            self.assertEqual(cm.exception.response["Error"]["Code"], code, svc)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"],
                             status, svc)
        # The control API is never faulted.
        self.assertTrue(self.sim.control("health")["ok"])

    def sequence(self, seed):
        self.sim.control("faults", {"throttle": 0.3, "5xx": 0.2, "drop": 0.0, "slow": 0.0,
                                    "seed": seed})
        self.sim.control("log/clear", {})
        ec2 = self.sim.client("ec2", config=NO_RETRY)
        for _ in range(25):
            try:
                ec2.describe_instances(MaxResults=5)
            except ClientError:
                pass
        return [r["fault"] for r in self.sim.control("log")]

    def test_repeatable(self):
        a = self.sequence(11)
        b = self.sequence(11)
        c = self.sequence(12)
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        self.assertIn("throttle", a)
        self.assertIn("5xx", a)

    def test_drop_and_slow(self):
        self.sim.control("faults", {"drop": 1.0, "seed": 1})
        with self.assertRaises((ConnectionClosedError, EndpointConnectionError)):
            self.sim.client("sts", config=NO_RETRY).get_caller_identity()
        self.sim.control("faults", {"slow": 1.0, "slow_ms": 300, "seed": 1})
        t = time.time()
        self.sim.client("sts", config=NO_RETRY).get_caller_identity()
        self.assertGreaterEqual(time.time() - t, 0.3)
        self.sim.control("faults", {"seed": 1})

    def test_queue(self):
        # Queued faults go to the named operation only, in order, and the
        # log times each attempt: arrival t, reply handed over at t_done.
        self.sim.control("faults", {"seed": 1})
        self.sim.control("log/clear", {})
        self.sim.control("faults/queue", {"op": "GetCallerIdentity", "faults": [
            "throttle", None, {"status": 400, "code": "ValidationError"}]})
        sts = self.sim.client("sts", config=NO_RETRY)
        ddb = self.sim.client("dynamodb", config=NO_RETRY)
        ddb.list_tables()
        got = []
        for _ in range(4):
            try:
                sts.get_caller_identity()
                got.append(None)
            except ClientError as e:
                got.append(e.response["Error"]["Code"])
        self.assertEqual(got, ["Throttling", None, "ValidationError", None])
        self.assertEqual(self.sim.control("faults/queue"), {})
        log = self.sim.control("log")
        self.assertEqual([(r["op"], r["fault"], r["status"]) for r in log],
                         [("ListTables", None, 200), ("GetCallerIdentity", "throttle", 400),
                          ("GetCallerIdentity", None, 200),
                          ("GetCallerIdentity", "ValidationError", 400),
                          ("GetCallerIdentity", None, 200)])
        for a, b in zip(log, log[1:]):
            self.assertLessEqual(a["t"], a["t_done"])
            self.assertLessEqual(a["t_done"], b["t"])
        for bad in ({"op": "X", "faults": ["boom"]}, {"op": "X", "faults": "throttle"},
                    {"faults": ["throttle"]}, {"op": "X", "faults": [{"code": "C"}]}):
            with self.assertRaises(urllib.error.HTTPError, msg=bad) as cm:
                self.sim.control("faults/queue", bad)
            self.assertEqual(cm.exception.code, 400)
            cm.exception.close()
        self.sim.control("faults/queue", {"op": "GetCallerIdentity", "faults": ["5xx"]})
        self.sim.control("faults/queue", {"op": "GetCallerIdentity", "faults": []})
        self.assertEqual(self.sim.control("faults/queue"), {})


class TestAccounts(SimTest):
    ARGS = ["--seed", "9", "--fleet", "40", "--accounts", "2",
            "--regions", "us-east-1,eu-west-1"]

    def test_accounts_and_regions(self):
        total = 0
        for acct in (1, 2):
            sts = self.sim.client("sts", account=acct)
            self.assertEqual(sts.get_caller_identity()["Account"],
                             self.sim.env["PATCHDECK_SIM_ACCOUNT_%d_ID" % acct])
            for region in ("us-east-1", "eu-west-1"):
                ec2 = self.sim.client("ec2", account=acct, region_name=region)
                got = instances(ec2.describe_instances())
                self.assertEqual(len(got), 10)
                self.assertTrue(all(i["Placement"]["AvailabilityZone"].startswith(region)
                                    for i in got))
                total += len(got)
        self.assertEqual(total, 40)


if __name__ == "__main__":
    unittest.main()
