"""make demo's fleet, beyond what the simulator generates (tests/demo.sh).

    demo_fleet.py ENV_FILE fleet     before `patchdeck setup`
    demo_fleet.py ENV_FILE records   after it (the exceptions table exists)

fleet: the results bucket (private), the alerts topic, and tonight's
windows: `tonight` (opens within the next hours) gets 8 members in every
account and region, each with a part to play, so the overview, the plan
pane, the pre-check pane and its fixes, and prepare all have something to
show; `running-now` (in progress) gets 4 ordinary ones.  Pre-check fates go
through POST /_sim/precheck (invisible in the instances' tags).

records: the exceptions table, with records behind most of the fleet's
PatchException tags (approved), a few of them approved by their own
requester (invalid: the tag counts as unapproved), some waiting for a
decision, one rejected, and a few tags nobody approved, for the
exceptions view (e) and its sync (S); in `tonight`, one member excepted by
an approved record and one whose tag nobody approved.

Prints one summary line per phase.  Everything is derived from the sorted
instance ids, so a seed gives the same demo every time.
"""

import datetime
import json
import sys
import textwrap
import urllib.request

import boto3

BUCKET = "patchdeck-demo-results"
TONIGHT = "tonight"
RUNNING = "running-now"
PER_PAIR = 8          # tonight's members in each account and region
RUNNING_PER_PAIR = 4

# Tonight's parts, dealt over its Linux members (the rest pass).
# A fate is what the next pre-check finds (tests/sim/world.py); the other
# parts change the instance itself.
PARTS = [
    "disk", "repo_unreachable", "repo_url", "pkg_lock", "reboot_pending",
    "status_check", "load", "timeout", "malformed", "undeliverable", "hostile",
    "agent_offline", "stop", "stop", "stop-never-boots", "unmanaged",
    "excepted", "unapproved-tag", "terminate", "disk", "repo_url", "pkg_lock",
    "agent_offline",
]
FATES = ("disk", "repo_unreachable", "repo_url", "pkg_lock", "reboot_pending",
         "status_check", "load", "timeout", "malformed", "undeliverable",
         "hostile", "agent_offline")


def read_env(path):
    """simctl's "export K=V" lines (a plain K=V is read as well)."""
    env = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export "):]
        if "=" in line:
            k, v = line.split("=", 1)
            env[k] = v
    return env


class Sim:
    def __init__(self, env):
        self.env = env
        self.url = env["AWS_ENDPOINT_URL"]
        self.accounts = int(env.get("PATCHDECK_SIM_ACCOUNTS", "1"))
        self.regions = env.get("PATCHDECK_SIM_REGIONS", "us-east-1").split(",")

    def client(self, svc, k, region="us-east-1"):
        return boto3.client(svc, endpoint_url=self.url, region_name=region,
                            aws_access_key_id=self.env["PATCHDECK_SIM_ACCOUNT_%d_KEY" % k],
                            aws_secret_access_key=self.env["PATCHDECK_SIM_ACCOUNT_%d_SECRET" % k])

    def account(self, k):
        return self.env.get("PATCHDECK_SIM_ACCOUNT_%d_ID" % k, "123456789012")

    def control(self, path, body):
        req = urllib.request.Request(
            "http://127.0.0.1:%s/_sim/%s" % (self.env["PATCHDECK_SIM_PORT"], path),
            data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        return json.load(urllib.request.urlopen(req, timeout=30))

    def pairs(self):
        for k in range(1, self.accounts + 1):
            for region in self.regions:
                yield k, region

    def instances(self, k, region):
        ec2 = self.client("ec2", k, region)
        out = []
        for page in ec2.get_paginator("describe_instances").paginate():
            for r in page["Reservations"]:
                out.extend(r["Instances"])
        return sorted(out, key=lambda i: i["InstanceId"])


def tags_of(inst):
    return {t["Key"]: t["Value"] for t in inst.get("Tags", [])}


def fleet(sim):
    s3 = sim.client("s3", 1)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    sim.client("sns", 1).create_topic(Name="patchdeck-alerts")

    today = datetime.date.today()
    fates = {}
    counts = {}
    pairs = list(sim.pairs())
    for pi, (k, region) in enumerate(pairs):
        ec2 = sim.client("ec2", k, region)
        running = [i for i in sim.instances(k, region)
                   if i["State"]["Name"] == "running"]
        linux = [i for i in running if i.get("Platform") != "windows"]
        windows = [i for i in running if i.get("Platform") == "windows"]
        # Mostly Linux (the repository and lock fates are Linux ones), one
        # Windows member per account and region.
        members = linux[:PER_PAIR - 1] + windows[:1]
        members += [i for i in linux[PER_PAIR - 1:] if i not in members][:PER_PAIR - len(members)]
        taken = {i["InstanceId"] for i in members}
        rest = [i for i in running if i["InstanceId"] not in taken]
        now_ids = [i["InstanceId"] for i in rest[:RUNNING_PER_PAIR]]
        ids = [i["InstanceId"] for i in members]
        ec2.create_tags(Resources=ids, Tags=[{"Key": "PatchWindow", "Value": TONIGHT}])
        ec2.delete_tags(Resources=ids, Tags=[{"Key": "PatchException"}])
        if now_ids:
            ec2.create_tags(Resources=now_ids, Tags=[{"Key": "PatchWindow", "Value": RUNNING}])
        stop, never, terminate = [], [], []
        j = 0
        for inst in members:
            iid = inst["InstanceId"]
            # The parts dealt round the accounts and regions, so each of
            # them has trouble to show.
            slot = j * len(pairs) + pi
            if inst.get("Platform") == "windows":
                part = "ok"
            else:
                part = PARTS[slot] if slot < len(PARTS) else "ok"
                j += 1
            counts[part] = counts.get(part, 0) + 1
            fates[iid] = part if part in FATES else "ok"
            if part.startswith("stop"):
                stop.append(iid)
            if part == "stop-never-boots":
                never.append(iid)
            elif part == "unmanaged":
                ec2.create_tags(Resources=[iid], Tags=[{"Key": "sim:unmanaged", "Value": "1"}])
            elif part in ("excepted", "unapproved-tag"):
                ec2.create_tags(Resources=[iid], Tags=[{
                    "Key": "PatchException",
                    "Value": "%s..%s" % ((today - datetime.timedelta(days=1)).isoformat(),
                                         (today + datetime.timedelta(days=3)).isoformat())}])
                ec2.create_tags(Resources=[iid], Tags=[{"Key": "demo:part", "Value": part}])
            elif part == "terminate":
                terminate.append(iid)
            elif part == "hostile":
                # Named so that it can be found in the pre-check pane:
                # Enter shows its output escaped.
                ec2.create_tags(Resources=[iid], Tags=[
                    {"Key": "Name", "Value": "hostile-precheck-output"}])
        if never:
            ec2.create_tags(Resources=never, Tags=[{"Key": "sim:boot", "Value": "never"}])
        if stop:
            ec2.stop_instances(InstanceIds=stop)
        if terminate:
            ec2.terminate_instances(InstanceIds=terminate)
    sim.control("precheck", {"fates": fates})
    print(textwrap.fill("demo: window %s: %d members (%s)" % (
        TONIGHT, len(fates), ", ".join("%s %d" % (p, n) for p, n in sorted(counts.items()))),
        width=78, subsequent_indent="    "))


def records(sim):
    ddb = sim.client("dynamodb", 1)
    today = datetime.date.today()
    i = 0
    n = 0

    def put(item):
        ddb.put_item(TableName="patchdeck-exceptions",
                     Item={k2: {"S": v} for k2, v in item.items()})

    for k, region in sim.pairs():
        for inst in sim.instances(k, region):
            tags = tags_of(inst)
            iid, i = inst["InstanceId"], i + 1
            asked = today - datetime.timedelta(days=12)
            item = {"instance_id": iid,
                    "exception_id": "ex-%s090000-%06x" % (asked.strftime("%Y%m%d"), i),
                    "requested_by": "arn:aws:iam::%s:user/owner-%d" % (sim.account(k), i % 7),
                    "requested_at": asked.isoformat() + "T09:00:00Z",
                    "reason": "release freeze, ticket CHG-%d" % (4000 + i),
                    "ticket": "CHG-%d" % (4000 + i)}
            rng = tags.get("PatchException", "")
            approved = {"status": "APPROVED",
                        "decided_by": "arn:aws:iam::%s:user/approver" % sim.account(1),
                        "decided_at": (today - datetime.timedelta(days=11)).isoformat() +
                        "T10:00:00Z"}
            if tags.get("PatchWindow") == TONIGHT:
                if tags.get("demo:part") != "excepted":
                    continue      # tonight's unapproved tag: no record
                s, e = rng.split("..", 1)
                item.update(starts=s, ends=e, **approved)
            elif ".." in rng:
                if i % 5 == 0:
                    continue          # a tag nobody approved
                s, e = rng.split("..", 1)
                item.update(starts=s, ends=e, **approved)
                if i % 23 == 0:       # approved by its own requester: invalid
                    item["decided_by"] = item["requested_by"]
            elif i % 40 == 3:
                s = today + datetime.timedelta(days=3 + i % 9)
                item.update(starts=s.isoformat(),
                            ends=(s + datetime.timedelta(days=7)).isoformat(),
                            status="PENDING" if i % 80 != 3 else "REJECTED")
                if item["status"] == "REJECTED":
                    item.update(decided_by="arn:aws:iam::%s:user/approver" % sim.account(1),
                                decided_at=today.isoformat() + "T08:00:00Z",
                                decision_reason="the bid is over by then")
            else:
                continue
            put(item)
            n += 1
    print("demo: the exceptions table: %d records" % n)


def main():
    sim = Sim(read_env(sys.argv[1]))
    {"fleet": fleet, "records": records}[sys.argv[2]](sim)


if __name__ == "__main__":
    main()
