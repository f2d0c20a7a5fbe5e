"""The simulator's boot model (issue #9 point 8): StartInstances, then the
SSM agent Online after the boot delay (simulated time, moved with POST
/_sim/clock so nothing here waits on the wall clock); StopInstances takes
it offline; sim:boot=never keeps it offline; sim:boot=SECONDS overrides
the delay; POST /_sim/boot sets the delay."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from test_sim_boto3 import SimTest, instances  # noqa: E402


class TestBoot(SimTest):
    # 1000 s of boot: the wall clock cannot bring an agent up during the
    # test; only the clock advances below do.
    ARGS = ["--seed", "3", "--fleet", "20", "--boot-delay", "1000"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ec2 = cls.sim.client("ec2")
        cls.ssm = cls.sim.client("ssm")

    def ping(self, iid):
        r = self.ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [iid]}])
        lst = r["InstanceInformationList"]
        self.assertEqual(len(lst), 1, lst)
        return lst[0]["PingStatus"]

    def online_running(self, n):
        """n running instances whose agent is Online now."""
        out = []
        for i in instances(self.ec2.describe_instances()):
            tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
            if i["State"]["Name"] == "running" and "sim:offline" not in tags and \
                    "sim:fail" not in tags and self.ping(i["InstanceId"]) == "Online":
                out.append(i["InstanceId"])
            if len(out) == n:
                return out
        self.skipTest("fleet has fewer than %d online instances" % n)

    def test_boot_delay(self):
        self.assertEqual(self.sim.control("boot")["delay_s"], 1000)
        a, b, c, d = self.online_running(4)
        self.ec2.create_tags(Resources=[b], Tags=[{"Key": "sim:boot", "Value": "never"}])
        self.ec2.create_tags(Resources=[c], Tags=[{"Key": "sim:boot", "Value": "5000"}])
        # Starting a running instance does not reboot it.
        self.ec2.start_instances(InstanceIds=[a])
        self.assertEqual(self.ping(a), "Online", "already running")
        self.ec2.stop_instances(InstanceIds=[a, b, c, d])
        for x in (a, b, c, d):
            self.assertEqual(self.ping(x), "ConnectionLost")
        self.ec2.start_instances(InstanceIds=[a, b, c])
        for x in (a, b, c):
            self.assertEqual(self.ping(x), "ConnectionLost", "booting")
        self.sim.control("clock", {"advance_s": 1001})
        self.assertEqual(self.ping(a), "Online")
        self.assertEqual(self.ping(b), "ConnectionLost", "sim:boot=never")
        self.assertEqual(self.ping(c), "ConnectionLost", "sim:boot=5000")
        self.assertEqual(self.ping(d), "ConnectionLost", "still stopped")
        self.sim.control("clock", {"advance_s": 4000})
        self.assertEqual(self.ping(b), "ConnectionLost", "sim:boot=never")
        self.assertEqual(self.ping(c), "Online")
        # Stopped again: offline at once; a new start boots again.
        self.ec2.stop_instances(InstanceIds=[a])
        self.assertEqual(self.ping(a), "ConnectionLost")
        self.sim.control("boot", {"delay_s": 0})
        self.ec2.start_instances(InstanceIds=[a])
        self.assertEqual(self.ping(a), "Online")
        self.sim.control("boot", {"delay_s": 1000})

    def test_bad_id_fails_the_call(self):
        # As EC2 does: one unknown id fails the whole StartInstances.
        from botocore.exceptions import ClientError
        (a,) = self.online_running(1)
        with self.assertRaises(ClientError) as cm:
            self.ec2.start_instances(InstanceIds=[a, "i-0000000000000dead"])
        self.assertIn("InvalidInstanceID", cm.exception.response["Error"]["Code"])

    def test_boot_control_rejects_bad_delay(self):
        import urllib.error
        with self.assertRaises(urllib.error.HTTPError):
            self.sim.control("boot", {"delay_s": "soon"})


if __name__ == "__main__":
    unittest.main()
