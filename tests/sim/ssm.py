"""Simulated SSM Run Command and instance information over simulated time.

moto 5.2.1 answers SendCommand with an instantly finished, empty command and
HTTP 500 for DescribeInstanceInformation, ListCommandInvocations and
CancelCommand.  A patch night needs runs that take time, honour rate
control, fail in the ways real fleets fail and print what the documents in
data/ssm print (DESIGN.md §6), so those operations are answered here;
document APIs (CreateDocument, UpdateDocument, DescribeDocument, ...) stay
with moto.

Model: at SendCommand the whole timeline is decided at once, from the seed,
the command id and each instance's facts (world.InstanceFacts, or the
`sim:fail` tag): delivery delay, run time and outcome, and the order in which
MaxConcurrency slots start invocations and MaxErrors stops sending more.  A
query at simulated time t just reads the timeline at t; CancelCommand cuts
it at the time of the cancel.  Output for S3 is written by tick() once an
invocation's end time has passed.

Documents: AWS-InstallWindowsUpdates -> Windows update log; AWS-RunShellScript
-> echoes `echo` lines of its commands; any other document whose name
contains "precheck" (any case) -> PATCHDECK_PRECHECK line; a document whose
name ends in "fix" -> PATCHDECK_FIX line (fixes.py: a fix changes what the
next pre-check sees); any other non-AWS document -> the Linux patch
document (PATCHDECK_RESULT lines).
"""

import heapq
import json
import math
import random
import threading
import uuid

from world import stable_hash

STDOUT_LIMIT = 24000          # GetCommandInvocation StandardOutputContent
PLUGIN_OUTPUT_LIMIT = 2500    # ListCommandInvocations CommandPlugins[].Output
ERR_SEPARATOR = "\n----------ERROR-------\n"


class SsmError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _iso(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (int(t * 1000) % 1000)


def _limit(value, total, what):
    """MaxConcurrency/MaxErrors '10' or '10%' -> a count for `total` targets."""
    v = str(value).strip()
    try:
        if v.endswith("%"):
            pct = int(v[:-1])
            if not 0 <= pct <= 100:
                raise ValueError
            return pct * total / 100.0, True
        n = int(v)
        if n < 0:
            raise ValueError
        return n, False
    except ValueError:
        raise SsmError("ValidationException",
                       "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                       "constraint: Member must satisfy regular expression pattern: "
                       "^([1-9][0-9]*|[0]|[1-9][0-9]%%|[0-9]%%|100%%)$" % (v, what))


class Invocation:
    __slots__ = ("instance_id", "name", "deliver", "start", "end", "status", "details",
                 "rc", "stdout", "stderr", "written", "sent")

    def __init__(self, instance_id, name):
        self.instance_id = instance_id
        self.name = name
        self.deliver = self.start = self.end = None
        self.status = self.details = None
        self.rc = -1
        self.stdout = self.stderr = ""
        self.written = False
        self.sent = True


class Command:
    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.invocations = []     # in target order
        self.by_instance = {}
        self.cancelled_at = None


class SsmSim:
    """Answers the SSM operations moto lacks; see the module docstring."""

    OPS = ("DescribeInstanceInformation", "SendCommand", "ListCommands",
           "ListCommandInvocations", "GetCommandInvocation", "CancelCommand")

    def __init__(self, world, ec2_pages, put_object):
        self.world = world
        self.ec2 = ec2_pages
        self.put_object = put_object       # (account, bucket, key, bytes) -> None
        self.commands = {}                 # (account, region) -> {id: Command}
        self.counter = 0
        self.lock = threading.RLock()

    # -- entry point --------------------------------------------------------

    def handles(self, op):
        return op in self.OPS

    def handle(self, op, body, account, region):
        from moto.ec2.models import ec2_backends
        with self.lock:
            backend = ec2_backends[account][region]
            now = self.world.clock.now()
            self.tick(now)
            return getattr(self, "_" + op)(body, account, region, backend, now)

    def tick(self, now=None):
        """Write finished invocations' output to S3 (OutputS3BucketName)."""
        now = self.world.clock.now() if now is None else now
        with self.lock:
            for (account, region), cmds in self.commands.items():
                for cmd in cmds.values():
                    if not cmd.bucket or cmd.all_written:
                        continue
                    left = False
                    for inv in cmd.invocations:
                        if inv.written:
                            continue
                        st = self._view(cmd, inv, now)
                        if st["final"] and st["started"]:
                            key = "/".join(p for p in (cmd.prefix.rstrip("/") if cmd.prefix
                                                       else "", cmd.id, inv.instance_id,
                                                       "awsrunShellScript",
                                                       "0.aws-runShellScript") if p)
                            try:
                                self.put_object(account, cmd.bucket, key + "/stdout",
                                                st["stdout"].encode())
                                if st["stderr"]:
                                    self.put_object(account, cmd.bucket, key + "/stderr",
                                                    st["stderr"].encode())
                            except Exception as e:   # bucket gone: SSM just skips it
                                self.world.warn("SSM output to s3://%s/%s not written: %s"
                                                % (cmd.bucket, key, e))
                            inv.written = True
                        elif st["final"]:
                            inv.written = True
                        else:
                            left = True
                    cmd.all_written = not left

    # -- instance information ----------------------------------------------

    def _ssm_instances(self, backend):
        """Instances SSM knows: every non-terminated instance, in index order,
        but those tagged sim:unmanaged=1 (no agent, or no instance profile)."""
        for inst in self.ec2.index(backend).instances:
            if inst._state.name not in ("terminated", "shutting-down") and \
                    backend.tags.get(inst.id, {}).get("sim:unmanaged") != "1":
                yield inst

    def _ping(self, backend, inst, now):
        facts = self.world.facts_for(inst)
        tags = backend.tags.get(inst.id, {})
        forced = tags.get("sim:fail")
        fate = self.world.precheck_fate_for(inst.id, tags)
        offline = (facts.offline and forced is None and fate is None) or \
            tags.get("sim:offline") == "1" or forced == "agent-offline" or \
            fate == "agent_offline"
        if inst._state.name != "running" or offline:
            return "ConnectionLost", now - 3600 * (2 + facts.seed % 200)
        up, since = self.world.boot_state(inst.id, tags, now)
        if not up:
            # Booting (or never coming up): the agent has not pinged since
            # the instance was stopped.
            return "ConnectionLost", now - 3600 * (2 + facts.seed % 200)
        if since is not None:
            # Just booted: its first pings are after the boot.
            return "Online", max(since, now - (facts.seed % 60))
        return "Online", now - (facts.seed % 300)

    def _info(self, backend, inst, now):
        facts = self.world.facts_for(inst)
        ping, last = self._ping(backend, inst, now)
        os_ = facts.os
        ip = inst.private_ip or ""
        if facts.windows:
            comp = "EC2AMAZ-%07X" % (facts.seed % 0xFFFFFFF)
            ptype, pname, pver = "Windows", os_[1], os_[2]
        else:
            comp = "ip-%s.%s" % (ip.replace(".", "-"),
                                 "ec2.internal" if backend.region_name == "us-east-1"
                                 else backend.region_name + ".compute.internal")
            ptype, pname, pver = "Linux", os_[1], os_[2]
        lt = inst.launch_time.timestamp() if hasattr(inst.launch_time, "timestamp") else now
        info = {
            "InstanceId": inst.id, "PingStatus": ping, "LastPingDateTime": last,
            "AgentVersion": facts.agent, "IsLatestVersion": False,
            "PlatformType": ptype, "PlatformName": pname, "PlatformVersion": pver,
            "ResourceType": "EC2Instance", "IPAddress": ip, "ComputerName": comp,
            "RegistrationDate": lt, "SourceId": inst.id, "SourceType": "AWS::EC2::Instance",
            "AssociationStatus": "Success",
        }
        info.update(self.world.ssm_fields.get(inst.id, {}))
        return info

    def _DescribeInstanceInformation(self, body, account, region, backend, now):
        mr = body.get("MaxResults", 10)
        if not isinstance(mr, int) or not 5 <= mr <= 50:
            raise SsmError("ValidationException",
                           "1 validation error detected: Value '%s' at 'maxResults' failed to "
                           "satisfy constraint: Member must have value less than or equal to 50"
                           % mr)
        if body.get("Filters") and body.get("InstanceInformationFilterList"):
            raise SsmError("InvalidFilterKey",
                           "Filters and InstanceInformationFilterList cannot be used together")
        flt = {}
        for f in body.get("InstanceInformationFilterList") or []:
            flt.setdefault(f.get("key"), set()).update(f.get("valueSet") or [])
        for f in body.get("Filters") or []:
            flt.setdefault(f.get("Key"), set()).update(f.get("Values") or [])
        for k in flt:
            if k not in ("InstanceIds", "PingStatus", "PlatformTypes", "AgentVersion",
                         "ResourceType") and not str(k).startswith("tag:") \
                    and k != "tag-key":
                raise SsmError("InvalidInstanceInformationFilterValue",
                               "Filter key %s is not supported" % k)
        start = _decode_pos(body.get("NextToken"))
        out = []
        pos = 0
        next_pos = None
        cands = self._ssm_instances(backend)
        if "InstanceIds" in flt:
            want = flt["InstanceIds"]
            cands = (x for x in cands if x.id in want)
        for inst in cands:
            pos += 1
            if pos <= start:
                continue
            info = self._info(backend, inst, now)
            if "PingStatus" in flt and info["PingStatus"] not in flt["PingStatus"]:
                continue
            if "PlatformTypes" in flt and info["PlatformType"] not in flt["PlatformTypes"]:
                continue
            if "AgentVersion" in flt and info["AgentVersion"] not in flt["AgentVersion"]:
                continue
            tags = backend.tags.get(inst.id, {})
            if "tag-key" in flt and not (flt["tag-key"] & set(tags)):
                continue
            if any(k.startswith("tag:") and tags.get(k[4:]) not in v for k, v in flt.items()):
                continue
            if len(out) == mr:
                next_pos = pos - 1
                break
            out.append(info)
        res = {"InstanceInformationList": out}
        if next_pos is not None:
            res["NextToken"] = _encode_pos(next_pos)
        return res

    # -- run command -------------------------------------------------------

    def _SendCommand(self, body, account, region, backend, now):
        doc = body.get("DocumentName")
        if not doc:
            raise SsmError("ValidationException", "1 validation error detected: Value null at "
                           "'documentName' failed to satisfy constraint: Member must not be null")
        kind = self._doc_kind(doc)
        if kind not in ("windows", "shell") and not self._doc_exists(account, region, doc):
            raise SsmError("InvalidDocument", "Document with name %s does not exist." % doc)
        ids = body.get("InstanceIds") or []
        targets = body.get("Targets") or []
        if ids and targets:
            raise SsmError("InvalidParameters",
                           "InstanceIds and Targets cannot be specified together.")
        if not ids and not targets:
            raise SsmError("InvalidParameters", "Either InstanceIds or Targets must be specified.")
        if len(ids) > 50:
            raise SsmError("ValidationException",
                           "1 validation error detected: Value '[%s]' at 'instanceIds' failed "
                           "to satisfy constraint: Member must have length less than or equal "
                           "to 50" % ", ".join(ids[:3] + ["..."]))
        idx = self.ec2.index(backend)
        if ids:
            bad = [i for i in ids if i not in idx.pos or
                   idx.instances[idx.pos[i]]._state.name == "terminated"]
            if bad:
                raise SsmError("InvalidInstanceId",
                               "Instances [[%s]] not in a valid state for account %s"
                               % (", ".join(bad), account))
            chosen = [idx.instances[idx.pos[i]] for i in dict.fromkeys(ids)]
        else:
            chosen = self._resolve_targets(backend, idx, targets)
        timeout = body.get("TimeoutSeconds", 3600)
        if not isinstance(timeout, int) or not 30 <= timeout <= 2592000:
            raise SsmError("ValidationException", "TimeoutSeconds must be between 30 and 2592000")
        total = len(chosen)
        mc_s = str(body.get("MaxConcurrency") or "50")
        me_s = str(body.get("MaxErrors") or "0")
        mc, pct = _limit(mc_s, total, "maxConcurrency")
        mc = max(1, int(math.ceil(mc)) if pct else int(mc)) if mc_s != "0" else 0
        if mc < 1:
            raise SsmError("ValidationException", "MaxConcurrency must be at least 1")
        me, pct = _limit(me_s, total, "maxErrors")
        me = int(math.ceil(me)) if pct else int(me)

        self.counter += 1
        rng = random.Random("cmd:%s:%d" % (self.world.seed, self.counter))
        cid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        params = body.get("Parameters") or {}
        cmd = Command(
            id=cid, doc=doc, kind=kind, doc_version=body.get("DocumentVersion") or "$DEFAULT",
            comment=body.get("Comment") or "", params=params, instance_ids=ids,
            targets=targets, requested=now, max_conc=mc_s, max_err=me_s, mc=mc, me=me,
            timeout=timeout, bucket=body.get("OutputS3BucketName") or "",
            prefix=body.get("OutputS3KeyPrefix") or "",
            s3_region=body.get("OutputS3Region") or region, service_role=body.get(
                "ServiceRoleArn") or "", all_written=False,
            plugin=self._plugin_name(account, region, doc, kind),
            exec_timeout=_exec_timeout(params))
        for inst in chosen:
            tags = backend.tags.get(inst.id, {})
            inv = Invocation(inst.id, tags.get("Name", ""))
            self._decide(cmd, inv, inst, tags, backend, rng)
            cmd.invocations.append(inv)
            cmd.by_instance[inst.id] = inv
        self._schedule(cmd)
        self.commands.setdefault((account, region), {})[cid] = cmd
        return {"Command": self._command_json(cmd, now)}

    def _resolve_targets(self, backend, idx, targets):
        if len(targets) > 5:
            raise SsmError("ValidationException", "Targets: at most 5 items")
        sets = []
        for t in targets:
            key, values = t.get("Key", ""), set(t.get("Values") or [])
            if key == "InstanceIds":
                sets.append(lambda x, v=values: x.id in v)
            elif key.startswith("tag:"):
                k = key[4:]
                sets.append(lambda x, k=k, v=values: backend.tags.get(x.id, {}).get(k) in v)
            elif key == "tag-key":
                sets.append(lambda x, v=values: bool(v & set(backend.tags.get(x.id, {}))))
            elif key == "resource-groups:Name":
                raise SsmError("InvalidTarget", "Resource groups are not simulated")
            else:
                raise SsmError("InvalidTarget", "Target key %s is not valid" % key)
        return [x for x in idx.instances if x._state.name != "terminated"
                and all(s(x) for s in sets)]

    def _doc_kind(self, doc):
        name = doc.rsplit("/", 1)[-1]
        if name == "AWS-InstallWindowsUpdates":
            return "windows"
        if name in ("AWS-RunShellScript", "AWS-RunPowerShellScript"):
            return "shell"
        if "precheck" in name.lower():
            return "precheck"
        if name.lower().endswith("fix"):
            return "fix"
        return "patch"

    def _doc_exists(self, account, region, doc):
        from moto.ssm.models import ssm_backends
        try:
            return doc.rsplit("/", 1)[-1] in ssm_backends[account][region]._documents
        except Exception:
            return True

    def _plugin_name(self, account, region, doc, kind):
        """The step name of the document (schema 2.2 mainSteps[0].name)."""
        if kind == "shell":
            return "aws:runShellScript" if doc.endswith("ShellScript") else "aws:runPowerShellScript"
        if kind == "windows":
            return "aws:runPowerShellScript"
        from moto.ssm.models import ssm_backends
        try:
            d = ssm_backends[account][region]._documents[doc.rsplit("/", 1)[-1]]
            content = d.get_default_version().content_json if hasattr(
                d.get_default_version(), "content_json") else None
            if content is None:
                import yaml
                raw = d.get_default_version().content
                content = json.loads(raw) if raw.lstrip().startswith("{") else yaml.safe_load(raw)
            steps = content.get("mainSteps") or []
            if steps and steps[0].get("name"):
                return steps[0]["name"]
        except Exception:
            pass
        return "aws:runShellScript"

    def _decide(self, cmd, inv, inst, tags, backend, rng):
        """Fix this invocation's delay, run time, outcome and output."""
        import fixes
        import outputs
        facts = self.world.facts_for(inst)
        fail = tags.get("sim:fail") or facts.fail
        if fail == "none":                    # a test wants a clean run
            fail = None
        if tags.get("sim:offline") == "1":
            fail = "agent-offline"
        # A pre-check fate (world.precheck_fate) decides a pre-check; an
        # offline agent takes no command of any kind.
        fate = self.world.precheck_fate_for(inst.id, tags)
        if fate == "agent_offline":
            fail = "agent-offline"
        elif fate is not None and cmd.kind in ("precheck", "fix"):
            # A fix acts on the pre-check fate (fixes.py), not on the
            # patch-night facts.
            fail = "agent-offline" if fate == "undeliverable" else None
        irng = random.Random(stable_hash(self.world.seed, cmd.id, inst.id))
        inv.deliver = irng.uniform(0.5, 3.0)
        if fail == "agent-offline" or (facts.offline and "sim:fail" not in tags
                                       and fate is None) or \
                inst._state.name != "running":
            inv.status, inv.details, inv.rc = "Failed", "Undeliverable", -1
            inv.sent = False
            inv.deliver = irng.uniform(5, 15)
            return
        fail = fixes.effective_fail(self.world, inst.id, fail)
        if cmd.kind == "fix":
            res = fixes.render(self.world, facts, inst.id, fail, fate, irng, cmd.params)
        else:
            res = outputs.render(cmd.kind, facts, inst, fixes.render_fate(fail), irng,
                                 cmd.params, backend.region_name,
                                 fate if cmd.kind == "precheck" else None)
        inv.stdout, inv.stderr, inv.rc, inv.status, inv.details = (
            res["stdout"], res["stderr"], res["rc"], res["status"], res["details"])
        dur = res["duration"]
        if fail == "timeout" and cmd.kind != "shell":
            dur = cmd.exec_timeout
        inv.end = dur                     # run time, made absolute in _schedule

    def _schedule(self, cmd):
        """Place invocations on the timeline: slots, then MaxErrors."""
        t0 = cmd.requested
        running = []            # end times of invocations holding a slot
        err_ends = []           # end times of invocations that end in error
        errors = 0
        stopped = False
        for inv in cmd.invocations:
            if not inv.sent:                     # Undeliverable: no slot, no error
                inv.start = None
                inv.end = t0 + inv.deliver
                continue
            ready = t0
            if len(running) >= cmd.mc:           # wait for the earliest slot to free
                ready = max(t0, heapq.heappop(running))
            while err_ends and err_ends[0] <= ready:
                heapq.heappop(err_ends)
                errors += 1
            if stopped or errors > cmd.me:       # MaxErrors exceeded: send no more
                stopped = True
                inv.sent = False
                inv.status, inv.details, inv.rc = "Cancelled", "Cancelled", -1
                inv.stdout = inv.stderr = ""
                inv.start = None
                inv.end = ready
                continue
            inv.start = ready + inv.deliver
            inv.end = inv.start + inv.end
            heapq.heappush(running, inv.end)
            if inv.status in ("Failed", "TimedOut"):
                heapq.heappush(err_ends, inv.end)

    # -- reading the timeline ------------------------------------------------

    def _view(self, cmd, inv, now):
        """Status of one invocation at simulated time now (dict)."""
        cut = cmd.cancelled_at
        if cut is not None and inv.end > cut and (inv.start is None or inv.start < inv.end):
            if inv.start is not None and inv.start < cut:
                frac = (cut - inv.start) / max(1e-9, inv.end - inv.start)
                out = _partial(inv.stdout, frac)
                return {"status": "Cancelled", "details": "Cancelled", "rc": -1,
                        "stdout": out, "stderr": "", "final": True, "started": True,
                        "start": inv.start, "end": cut}
            if inv.sent or inv.status != "Failed":
                return {"status": "Cancelled", "details": "Cancelled", "rc": -1, "stdout": "",
                        "stderr": "", "final": True, "started": False, "start": None,
                        "end": cut}
        if now >= inv.end:
            return {"status": inv.status, "details": inv.details, "rc": inv.rc,
                    "stdout": inv.stdout, "stderr": inv.stderr, "final": True,
                    "started": inv.start is not None, "start": inv.start, "end": inv.end}
        if inv.start is None or now < inv.start:
            return {"status": "Pending", "details": "Pending", "rc": -1, "stdout": "",
                    "stderr": "", "final": False, "started": False, "start": None, "end": None}
        frac = (now - inv.start) / max(1e-9, inv.end - inv.start)
        return {"status": "InProgress", "details": "InProgress", "rc": -1,
                "stdout": _partial(inv.stdout, frac), "stderr": "", "final": False,
                "started": True, "start": inv.start, "end": None}

    def _command_status(self, cmd, now):
        views = [self._view(cmd, inv, now) for inv in cmd.invocations]
        done = [v for v in views if v["final"]]
        errors = sum(1 for v in views if v["final"] and v["status"] in ("Failed", "TimedOut")
                     and v["details"] != "Undeliverable")
        dto = sum(1 for v in views if v["details"] == "DeliveryTimedOut")
        completed = len(done)
        if cmd.cancelled_at is not None and cmd.cancelled_at <= now:
            st = det = "Cancelled"
        elif completed < len(views):
            st = det = "InProgress" if any(v["started"] or v["final"] for v in views) \
                else "Pending"
        elif not views:
            st, det = "Success", "NoInstancesInTag" if cmd.targets else "Success"
        elif errors > cmd.me:
            st = det = "Failed"
        elif any(v["status"] == "TimedOut" for v in views) and not errors:
            st = det = "TimedOut"
        elif errors or any(v["status"] != "Success" for v in views
                           if v["details"] != "Undeliverable"):
            st, det = "Failed", "Incomplete"
        else:
            st = det = "Success"
        return st, det, len(views), completed, errors, dto

    def _command_json(self, cmd, now):
        st, det, target, completed, errors, dto = self._command_status(cmd, now)
        j = {
            "CommandId": cmd.id, "DocumentName": cmd.doc, "DocumentVersion": cmd.doc_version,
            "Comment": cmd.comment, "ExpiresAfter": cmd.requested + cmd.timeout,
            "Parameters": cmd.params, "InstanceIds": cmd.instance_ids, "Targets": cmd.targets,
            "RequestedDateTime": cmd.requested, "Status": st, "StatusDetails": det,
            "OutputS3Region": cmd.s3_region, "OutputS3BucketName": cmd.bucket,
            "OutputS3KeyPrefix": cmd.prefix, "MaxConcurrency": cmd.max_conc,
            "MaxErrors": cmd.max_err, "TargetCount": target, "CompletedCount": completed,
            "ErrorCount": errors, "DeliveryTimedOutCount": dto, "ServiceRole": cmd.service_role,
            "NotificationConfig": {"NotificationArn": "", "NotificationEvents": [],
                                   "NotificationType": ""},
            "CloudWatchOutputConfig": {"CloudWatchLogGroupName": "",
                                       "CloudWatchOutputEnabled": False},
            "TimeoutSeconds": cmd.timeout,
        }
        return j

    def _cmds(self, account, region):
        return self.commands.get((account, region), {})

    def _ListCommands(self, body, account, region, backend, now):
        mr = _max_results(body, 50)
        cmds = list(self._cmds(account, region).values())
        cid = body.get("CommandId")
        if cid:
            if cid not in self._cmds(account, region):
                raise SsmError("InvalidCommandId", "")
            cmds = [self._cmds(account, region)[cid]]
        iid = body.get("InstanceId")
        if iid:
            cmds = [c for c in cmds if iid in c.by_instance]
        cmds.sort(key=lambda c: -c.requested)   # newest first, as AWS lists them
        items = [self._command_json(c, now) for c in cmds]
        for f in body.get("Filters") or []:
            k, v = f.get("key"), f.get("value")
            if k == "Status":
                items = [i for i in items if v in (i["Status"], i["StatusDetails"])]
            elif k == "DocumentName":
                items = [i for i in items if i["DocumentName"] == v]
            elif k == "ExecutionStage":
                done = ("Success", "Failed", "TimedOut", "Cancelled")
                items = [i for i in items if (i["Status"] in done) == (v == "Complete")]
            elif k in ("InvokedAfter", "InvokedBefore"):
                t = _parse_time(v)
                items = [i for i in items if (i["RequestedDateTime"] >= t) ==
                         (k == "InvokedAfter")]
            else:
                raise SsmError("InvalidFilterKey", "Filter key %s is not valid" % k)
        start = _decode_pos(body.get("NextToken"))
        page = items[start:start + mr]
        res = {"Commands": page}
        if start + mr < len(items):
            res["NextToken"] = _encode_pos(start + mr)
        return res

    def _invocation_json(self, cmd, inv, now, details):
        v = self._view(cmd, inv, now)
        j = {"CommandId": cmd.id, "InstanceId": inv.instance_id, "InstanceName": "",
             "Comment": cmd.comment, "DocumentName": cmd.doc,
             "DocumentVersion": cmd.doc_version, "RequestedDateTime": cmd.requested,
             "Status": v["status"], "StatusDetails": v["details"], "TraceOutput": "",
             "StandardOutputUrl": self._url(cmd, inv, "stdout") if v["started"] else "",
             "StandardErrorUrl": self._url(cmd, inv, "stderr") if v["started"] else "",
             "CommandPlugins": [], "ServiceRole": cmd.service_role,
             "NotificationConfig": {"NotificationArn": "", "NotificationEvents": [],
                                    "NotificationType": ""},
             "CloudWatchOutputConfig": {"CloudWatchLogGroupName": "",
                                        "CloudWatchOutputEnabled": False}}
        if details:
            out = v["stdout"]
            if v["stderr"]:
                out = out + ERR_SEPARATOR + v["stderr"]
            plugin = {"Name": cmd.plugin, "Status": v["status"]
                      if v["status"] in ("Pending", "InProgress", "Success", "TimedOut",
                                         "Cancelled", "Failed") else "Pending",
                      "StatusDetails": v["details"], "ResponseCode": v["rc"],
                      "Output": out[:PLUGIN_OUTPUT_LIMIT],
                      "StandardOutputUrl": j["StandardOutputUrl"],
                      "StandardErrorUrl": j["StandardErrorUrl"],
                      "OutputS3Region": cmd.s3_region, "OutputS3BucketName": cmd.bucket,
                      "OutputS3KeyPrefix": cmd.prefix}
            if v["start"] is not None:
                plugin["ResponseStartDateTime"] = v["start"]
            if v["final"] and v["end"] is not None:
                plugin["ResponseFinishDateTime"] = v["end"]
            j["CommandPlugins"] = [plugin]
        return j

    def _url(self, cmd, inv, which):
        if not cmd.bucket:
            return ""
        key = "/".join(p for p in (cmd.prefix.rstrip("/"), cmd.id, inv.instance_id,
                                   "awsrunShellScript", "0.aws-runShellScript", which) if p)
        return "https://s3.%s.amazonaws.com/%s/%s" % (cmd.s3_region, cmd.bucket, key)

    def _ListCommandInvocations(self, body, account, region, backend, now):
        mr = _max_results(body, 50)
        cmds = self._cmds(account, region)
        cid = body.get("CommandId")
        if cid and cid not in cmds:
            raise SsmError("InvalidCommandId", "")
        sel = [cmds[cid]] if cid else sorted(cmds.values(), key=lambda c: -c.requested)
        iid = body.get("InstanceId")
        pairs = [(c, inv) for c in sel for inv in c.invocations
                 if not iid or inv.instance_id == iid]
        flt = body.get("Filters") or []
        details = bool(body.get("Details"))
        items = []
        start = _decode_pos(body.get("NextToken"))
        pos = 0
        next_pos = None
        for c, inv in pairs:
            if flt:
                v = self._view(c, inv, now)
                ok = True
                for f in flt:
                    k, val = f.get("key"), f.get("value")
                    if k == "Status":
                        ok = ok and val in (v["status"], v["details"])
                    elif k == "DocumentName":
                        ok = ok and c.doc == val
                    elif k in ("InvokedAfter", "InvokedBefore"):
                        ok = ok and ((c.requested >= _parse_time(val)) == (k == "InvokedAfter"))
                    else:
                        raise SsmError("InvalidFilterKey", "Filter key %s is not valid" % k)
                if not ok:
                    continue
            pos += 1
            if pos <= start:
                continue
            if len(items) == mr:
                next_pos = pos - 1
                break
            items.append(self._invocation_json(c, inv, now, details))
        res = {"CommandInvocations": items}
        if next_pos is not None:
            res["NextToken"] = _encode_pos(next_pos)
        return res

    def _GetCommandInvocation(self, body, account, region, backend, now):
        cmd = self._cmds(account, region).get(body.get("CommandId"))
        inv = cmd.by_instance.get(body.get("InstanceId")) if cmd else None
        if inv is None:
            raise SsmError("InvocationDoesNotExist", "")
        pn = body.get("PluginName")
        if pn and pn != cmd.plugin:
            raise SsmError("InvalidPluginName", "")
        v = self._view(cmd, inv, now)
        start = v["start"]
        end = v["end"] if v["final"] else None
        el = ""
        if start is not None:
            el = "PT%.3fS" % ((end if end is not None else now) - start)
        return {
            "CommandId": cmd.id, "InstanceId": inv.instance_id, "Comment": cmd.comment,
            "DocumentName": cmd.doc, "DocumentVersion": cmd.doc_version,
            "PluginName": cmd.plugin, "ResponseCode": v["rc"],
            "ExecutionStartDateTime": _iso(start) if start is not None else "",
            "ExecutionElapsedTime": el,
            "ExecutionEndDateTime": _iso(end) if end is not None else "",
            "Status": v["status"], "StatusDetails": v["details"],
            "StandardOutputContent": v["stdout"][:STDOUT_LIMIT],
            "StandardOutputUrl": self._url(cmd, inv, "stdout") if v["started"] else "",
            "StandardErrorContent": v["stderr"][:8000],
            "StandardErrorUrl": self._url(cmd, inv, "stderr") if v["started"] else "",
            "CloudWatchOutputConfig": {"CloudWatchLogGroupName": "",
                                       "CloudWatchOutputEnabled": False},
        }

    def _CancelCommand(self, body, account, region, backend, now):
        cmd = self._cmds(account, region).get(body.get("CommandId"))
        if cmd is None:
            raise SsmError("InvalidCommandId", "")
        ids = body.get("InstanceIds") or []
        for i in ids:
            if i not in cmd.by_instance:
                raise SsmError("InvalidInstanceId", "Instance %s is not part of the command" % i)
        st = self._command_status(cmd, now)[0]
        if st in ("Success", "Failed", "TimedOut", "Cancelled"):
            return {}        # AWS accepts it and nothing changes
        if cmd.cancelled_at is None:
            cmd.cancelled_at = now
        return {}


def _partial(text, frac):
    if frac <= 0 or not text:
        return ""
    lines = text.splitlines(True)
    # the result lines come last: an unfinished run has not printed them yet
    n = min(len(lines) - 1, int(len(lines) * min(frac, 1.0)))
    return "".join(l for l in lines[:max(0, n)] if not l.startswith("PATCHDECK_"))


def _exec_timeout(params):
    v = params.get("executionTimeout") or params.get("ExecutionTimeout")
    try:
        return int(v[0] if isinstance(v, list) else v)
    except Exception:
        return 3600


def _max_results(body, default):
    mr = body.get("MaxResults", default)
    if not isinstance(mr, int) or not 1 <= mr <= 50:
        raise SsmError("ValidationException",
                       "1 validation error detected: Value '%s' at 'maxResults' failed to "
                       "satisfy constraint: Member must have value less than or equal to 50" % mr)
    return mr


def _encode_pos(pos):
    import base64
    return base64.b64encode(json.dumps({"p": pos}).encode()).decode()


def _decode_pos(token):
    if not token:
        return 0
    import base64
    try:
        return int(json.loads(base64.b64decode(token.encode()))["p"])
    except Exception:
        raise SsmError("InvalidNextToken", "The specified token is not valid.")


def _parse_time(v):
    import datetime
    try:
        return datetime.datetime.fromisoformat(str(v).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise SsmError("InvalidFilterValue", "Invalid timestamp %s" % v)
