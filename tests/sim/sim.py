#!/usr/bin/env python3
"""patchdeck's AWS simulator: moto in-process behind our own WSGI middleware.

Everything patchdeck talks to goes to one endpoint (AWS_ENDPOINT_URL), so the
middleware routes each request by the service name in its SigV4 credential
scope, exactly as moto's own dispatcher does; path-style S3 works because
the scope says "s3".  In order, every AWS request is:

  1. signature-checked against keys in moto's IAM (auth.py), for every
     service, including the ones we simulate;
  2. given a fault from the seeded fault source (faults.py), if any;
  3. answered by our code where moto is wrong or slow (ec2_pages.py for
     DescribeInstances, ssm.py for run command and instance information,
     athena.py for Athena queries), otherwise by moto's WSGI app;
  4. logged for GET /_sim/log: operation, status, fault, arrival time "t"
     and "t_done", when the reply was handed to the server (seconds since
     start), and "body" (a digest: a call's attempts share it), so a test
     sees each attempt of a call and the gap before the next.

Requests are served one at a time under one lock (moto is not thread-safe,
and a seeded run must repeat); slow-reply faults sleep outside the lock.

Usage: python3 tests/sim/sim.py serve [--port 0] [--seed N] [--fleet N|demo|none]
       [--accounts N] [--regions r1,r2] [--faults SPEC] [--time-scale X]
       [--state-dir DIR] [--no-auth] [--boot-delay S]
"""

import argparse
import hashlib
import io
import json
import os
import signal
import socket
import sys
import threading
import time
from urllib.parse import parse_qs, parse_qsl

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import auth          # noqa: E402
import errors        # noqa: E402
import faults as faults_mod  # noqa: E402
from world import World  # noqa: E402

ACCOUNT_IDS = ["123456789012", "210987654321", "345678901234", "456789012345",
               "567890123456", "678901234567", "789012345678", "890123456789"]
CONTROL_PREFIX = "/_sim/"


class DropConnection(ConnectionResetError):
    """Raised after shutting the socket: werkzeug treats it as a dropped client."""


def _moto_app():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    return DomainDispatcherApplication(create_backend_app)


class Simulator:
    """The WSGI application: control API, auth, faults, routing, log."""

    def __init__(self, world, faults, no_auth=False):
        from ec2_pages import Ec2Pages
        from ssm import SsmSim
        self.world = world
        self.faults = faults
        self.no_auth = no_auth
        self.keys = auth.KeyStore()
        self.moto = _moto_app()
        self.ec2 = Ec2Pages(world)
        self.ssm = SsmSim(world, self.ec2, self._s3_put)
        self.athena = self._load_athena()

    # -- S3 helpers for SSM output and Athena ------------------------------

    @staticmethod
    def _s3_backend_for(bucket, account=None):
        from moto.s3.models import s3_backends
        accounts = ([account] if account else []) + [a for a in list(s3_backends.keys())
                                                     if a != account]
        for a in accounts:
            try:
                b = s3_backends[a]["aws"]
            except KeyError:
                continue
            if bucket in b.buckets:
                return b
        raise KeyError("NoSuchBucket: " + bucket)

    def _s3_put(self, account, bucket, key, data):
        self._s3_backend_for(bucket, account).put_object(bucket, key, data)

    def _s3_get(self, bucket, key):
        b = self._s3_backend_for(bucket)
        return b.get_object(bucket, key).value

    def _s3_list(self, bucket, prefix):
        b = self._s3_backend_for(bucket)
        return sorted(k for k in list(b.buckets[bucket].keys.keys()) if k.startswith(prefix))

    def _load_athena(self):
        try:
            import athena
            try:
                sim = athena.AthenaSim(self._s3_get, self._s3_list, clock=self.world.clock.now,
                                       s3_put_object=lambda b, k, d: self._s3_put(None, b, k, d))
            except TypeError:     # the minimal interface of the brief
                sim = athena.AthenaSim(self._s3_get, self._s3_list)
            self.world.info("athena: using tests/sim/athena.py")
            return sim
        except Exception as e:   # absent or broken: moto's Athena answers instead
            self.world.warn("athena.py unavailable (%s: %s); falling back to moto's Athena"
                            % (type(e).__name__, e))
            return None

    # -- WSGI ---------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX) or path == "/_sim":
            return self.control(environ, start_response)
        return self.aws(environ, start_response)

    @staticmethod
    def _read_body(environ):
        try:
            n = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            n = 0
        stream = environ["wsgi.input"]
        if n > 0:
            body = stream.read(n)
        elif environ.get("wsgi.input_terminated"):
            body = stream.read()
        else:
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return body

    @staticmethod
    def _guess_service(environ, body):
        """For unsigned requests: which protocol's error shape to answer in."""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB"):
            return "dynamodb"
        if target.startswith("AmazonSSM"):
            return "ssm"
        if target.startswith("AmazonAthena"):
            return "athena"
        text = body[:2000].decode("latin-1") + "&" + environ.get("QUERY_STRING", "")
        if "Version=2016-11-15" in text:
            return "ec2"
        if "Version=2011-06-15" in text:
            return "sts"
        if "Version=2010-03-31" in text:
            return "sns"
        if "Version=2010-05-08" in text:
            return "iam"
        return "s3"

    @staticmethod
    def _operation(service, environ, body):
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.split(".", 1)[-1], None
        if service in ("ec2", "sns", "sts", "iam") or service is None:
            params = dict(parse_qsl(environ.get("QUERY_STRING", "")))
            if body and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
                params.update(parse_qsl(body.decode("utf-8", "replace")))
            if "Action" in params:
                return params["Action"], params
        if service == "s3":
            return Simulator._s3_op(environ), None
        return "?", None

    @staticmethod
    def _s3_op(environ):
        m = environ["REQUEST_METHOD"]
        parts = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)
        q = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        has_key = len(parts) > 1 and parts[1] != ""
        if not parts[0]:
            return "ListBuckets"
        if has_key:
            if "uploads" in q or "uploadId" in q:
                return {"POST": "CompleteMultipartUpload" if "uploadId" in q else
                        "CreateMultipartUpload", "PUT": "UploadPart"}.get(m, m + "Multipart")
            return {"GET": "GetObject", "PUT": "CopyObject" if environ.get(
                "HTTP_X_AMZ_COPY_SOURCE") else "PutObject", "HEAD": "HeadObject",
                    "DELETE": "DeleteObject"}.get(m, m + "Object")
        if m == "GET":
            return "ListObjectsV2" if q.get("list-type") == ["2"] else \
                "GetBucket" + next(iter(q), "ListObjects").capitalize() if q else "ListObjects"
        return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket",
                "POST": "DeleteObjects" if "delete" in q else "PostBucket"}.get(m, m + "Bucket")

    def _respond(self, start_response, status, headers, body, rec):
        rec["status"] = status
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                  404: "Not Found", 500: "Internal Server Error",
                  503: "Service Unavailable"}.get(status, "Status")
        start_response("%d %s" % (status, reason), headers)
        return [body]

    def aws(self, environ, start_response):
        body = self._read_body(environ)
        service, region = auth.service_from_environ(environ)
        if service is None:
            service = self._guess_service(environ, body)
        region = region or "us-east-1"
        op, params = self._operation(service, environ, body)
        p = auth.parse_authorization(environ.get("HTTP_AUTHORIZATION", ""))
        rec = {"t": round(time.monotonic() - self.world.start, 4), "service": service,
               "op": op, "access_key": p.access_key if p else None, "status": None,
               "fault": None, "signature_ok": None, "region": region, "account": None,
               "body": hashlib.sha256(body + b"?" + environ.get("QUERY_STRING", "").encode(
                   "latin-1")).hexdigest()[:16]}
        try:
            return self._aws(environ, start_response, body, service, region, op, params, p,
                             rec)
        finally:
            # Before the server writes the reply: a retry that arrives
            # later than t_done was still sent after its reply came.
            rec["t_done"] = round(time.monotonic() - self.world.start, 4)
            self.world.record(rec)

    def _aws(self, environ, start_response, body, service, region, op, params, p, rec):
        account = None
        if not self.no_auth:
            try:
                _, account = auth.verify(environ, body, self.keys)
                rec["signature_ok"] = True
            except auth.AuthError as e:
                rec["signature_ok"] = False if e.kind == "bad-signature" else None
                rec["auth_error"] = e.kind
                st, hd, bd = errors.auth_error(service, e.kind, e.message)
                return self._respond(start_response, st, hd, bd, rec)
        else:
            found = self.keys.lookup(p.access_key) if p else None
            account = found[1] if found else ACCOUNT_IDS[0]
        rec["account"] = account

        fault, which, slow_ms = self.faults.draw(op)
        if slow_ms:
            rec["slow_ms"] = slow_ms
            time.sleep(slow_ms / 1000.0)
        if fault:
            rec["fault"] = fault
            if fault == "drop":
                rec["status"] = 0
                sock = environ.get("werkzeug.socket")
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                raise DropConnection("simulated dropped connection")
            if isinstance(fault, dict):
                rec["fault"] = fault["code"]
                st, hd, bd = errors.error_response(service, fault["status"], fault["code"],
                                                   fault.get("message") or "queued by a test")
            elif fault == "throttle":
                st, hd, bd = errors.throttle_error(service)
            else:
                st, hd, bd = errors.server_error(service, which)
            return self._respond(start_response, st, hd, bd, rec)
        elif slow_ms:
            rec["fault"] = "slow"

        with self.world.lock:
            try:
                return self._dispatch(environ, start_response, body, service, region, op,
                                      params, account, rec)
            except Exception as e:   # a bug of ours: answer like AWS would, log it
                import traceback
                traceback.print_exc()
                st, hd, bd = errors.error_response(service, 500, "InternalError",
                                                   "simulator error: %s" % e)
                return self._respond(start_response, st, hd, bd, rec)

    def _dispatch(self, environ, start_response, body, service, region, op, params, account,
                  rec):
        if service == "ec2" and op in ("DescribeInstances", "DescribeInstanceStatus"):
            from ec2_pages import Ec2Error
            from moto.ec2.models import ec2_backends
            try:
                fn = self.ec2.describe if op == "DescribeInstances" else \
                    self.ec2.describe_status
                xml = fn(ec2_backends[account][region],
                         body.decode("utf-8") if body else
                         environ.get("QUERY_STRING", ""))
            except Ec2Error as e:
                st, hd, bd = errors.error_response("ec2", e.status, e.code, e.message)
                return self._respond(start_response, st, hd, bd, rec)
            return self._respond(start_response, 200,
                                 [("Content-Type", "text/xml;charset=UTF-8"),
                                  ("Content-Length", str(len(xml)))], xml, rec)
        if service == "ssm" and self.ssm.handles(op):
            from ssm import SsmError
            try:
                data = self.ssm.handle(op, self._json(body), account, region)
            except SsmError as e:
                st, hd, bd = errors.error_response("ssm", e.status, e.code, e.message)
                return self._respond(start_response, st, hd, bd, rec)
            return self._json_reply(start_response, 200, data, rec)
        if service == "athena" and self.athena is not None:
            status, data = self.athena.handle(op, self._json(body), account, region)
            if status >= 400 and "__type" in data:
                st, hd, bd = errors.error_response("athena", status, data["__type"],
                                                   data.get("message") or
                                                   data.get("Message") or "")
                return self._respond(start_response, st, hd, bd, rec)
            return self._json_reply(start_response, status, data, rec)
        if service == "s3" and environ["REQUEST_METHOD"] == "GET" and "policyStatus" in \
                parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True):
            return self._policy_status(environ, start_response, account, rec)
        if service == "s3":
            self.ssm.tick()
        if service == "ec2" and op in ("StartInstances", "StopInstances"):
            return self._start_stop(environ, start_response, op, params, account, region,
                                    rec)
        return self._moto(environ, start_response, rec)

    def _start_stop(self, environ, start_response, op, params, account, region, rec):
        """moto starts and stops at once; the SSM agent of a started
        instance comes Online after the boot delay (world.boot_state), a
        stopped one goes offline.  Only a successful call changes that."""
        from moto.ec2.models import ec2_backends
        ids = [v for k, v in sorted((params or {}).items()) if k.startswith("InstanceId.")]
        was = {}
        try:
            backend = ec2_backends[account][region]
            for iid in ids:
                inst = self.ec2.instance(backend, iid)
                was[iid] = inst._state.name if inst is not None else None
        except KeyError:
            pass
        out = self._moto(environ, start_response, rec)
        if rec.get("status") == 200:
            now = self.world.clock.now()
            for iid in ids:
                if op == "StopInstances":
                    self.world.started_at.pop(iid, None)
                elif was.get(iid) in ("stopped", "stopping"):
                    # A running one started again does not reboot.
                    self.world.started_at[iid] = now
        return out

    def _policy_status(self, environ, start_response, account, rec):
        import s3_policy
        rec["op"] = "GetBucketPolicyStatus"
        bucket = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
        try:
            b = self._s3_backend_for(bucket, account).buckets[bucket]
        except KeyError:
            st, hd, bd = errors.error_response("s3", 404, "NoSuchBucket",
                                               "The specified bucket does not exist")
            return self._respond(start_response, st, hd, bd, rec)
        status, data = s3_policy.policy_status(b.policy)
        if status != 200:
            st, hd, bd = errors.error_response("s3", status, data[0], data[1])
            return self._respond(start_response, st, hd, bd, rec)
        return self._respond(start_response, 200, [("Content-Type", "application/xml"),
                                                   ("Content-Length", str(len(data)))], data, rec)

    @staticmethod
    def _json(body):
        try:
            return json.loads(body or b"{}")
        except ValueError:
            return {}

    def _json_reply(self, start_response, status, data, rec):
        out = json.dumps(data).encode()
        return self._respond(start_response, status,
                             [("Content-Type", "application/x-amz-json-1.1"),
                              ("x-amzn-RequestId", errors.request_id()),
                              ("Content-Length", str(len(out)))], out, rec)

    def _moto(self, environ, start_response, rec):
        captured = {}

        def sr(status, headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = headers
            return lambda data: captured.setdefault("written", []).append(data)
        it = self.moto(environ, sr)
        try:
            data = b"".join(captured.get("written", [])) + b"".join(it)
        finally:
            if hasattr(it, "close"):
                it.close()
        rec["status"] = int(captured["status"].split()[0])
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        if environ["REQUEST_METHOD"] != "HEAD":
            headers.append(("Content-Length", str(len(data))))
        else:
            headers += [(k, v) for k, v in captured["headers"] if k.lower() == "content-length"]
        start_response(captured["status"], headers)
        return [data]

    # -- control API ----------------------------------------------------------

    def control(self, environ, start_response):
        path = environ.get("PATH_INFO", "")[len(CONTROL_PREFIX):].strip("/")
        method = environ["REQUEST_METHOD"]
        body = self._read_body(environ)
        try:
            req = json.loads(body) if body.strip() else {}
        except ValueError:
            return self._ctl(start_response, 400, {"error": "body is not JSON"})
        w = self.world
        if path == "health" and method == "GET":
            return self._ctl(start_response, 200, w.health())
        if path == "log" and method == "GET":
            with w.log_lock:
                return self._ctl(start_response, 200, list(w.log))
        if path == "log/clear" and method == "POST":
            with w.log_lock:
                w.log.clear()
            return self._ctl(start_response, 200, {"ok": True})
        if path == "faults" and method == "GET":
            return self._ctl(start_response, 200, self.faults.state())
        if path == "faults" and method == "POST":
            try:
                rates = {k: req[k] for k in ("throttle", "5xx", "slow", "drop", "slow_ms")
                         if k in req}
                for k, v in rates.items():
                    if k != "slow_ms" and not 0.0 <= float(v) <= 1.0:
                        raise ValueError("rate for %s must be within 0..1" % k)
                self.faults.configure(rates, req.get("seed", self.faults.seed))
            except (ValueError, TypeError) as e:
                return self._ctl(start_response, 400, {"error": str(e)})
            return self._ctl(start_response, 200, self.faults.state())
        if path == "faults/queue" and method == "GET":
            return self._ctl(start_response, 200, self.faults.queued())
        if path == "faults/queue" and method == "POST":
            try:
                self.faults.enqueue(req.get("op"), req.get("faults"))
            except ValueError as e:
                return self._ctl(start_response, 400, {"error": str(e)})
            return self._ctl(start_response, 200, self.faults.queued())
        if path == "sns" and method == "GET":
            with w.lock:
                return self._ctl(start_response, 200, sns_messages())
        if path == "clock" and method == "GET":
            return self._ctl(start_response, 200, {"now": w.clock.now(),
                                                   "iso": w.clock.dt().isoformat()})
        if path == "clock" and method == "POST":
            try:
                w.clock.advance(float(req.get("advance_s", 0)))
            except (TypeError, ValueError):
                return self._ctl(start_response, 400, {"error": "advance_s must be a number"})
            self.ssm.tick()
            return self._ctl(start_response, 200, {"now": w.clock.now(),
                                                   "iso": w.clock.dt().isoformat()})
        if path == "boot" and method == "GET":
            return self._ctl(start_response, 200, {"delay_s": w.boot_delay})
        if path == "boot" and method == "POST":
            try:
                d = float(req.get("delay_s"))
                if not 0 <= d <= 86400:
                    raise ValueError
            except (TypeError, ValueError):
                return self._ctl(start_response, 400,
                                 {"error": "delay_s must be a number of seconds, 0..86400"})
            w.boot_delay = d
            return self._ctl(start_response, 200, {"delay_s": w.boot_delay})
        if path == "precheck" and method == "GET":
            with w.lock:
                return self._ctl(start_response, 200, dict(w.precheck_fate))
        if path == "precheck" and method == "POST":
            # {"fates": {ID: FATE}}: what the next pre-check of each finds
            # (world.PRECHECK_FATES; null forgets it).
            from world import PRECHECK_FATES
            fates = req.get("fates")
            bad = [k for k, v in (fates or {}).items()
                   if v is not None and v not in PRECHECK_FATES] \
                if isinstance(fates, dict) else ["fates"]
            if bad:
                return self._ctl(start_response, 400, {
                    "error": "want {\"fates\": {ID: FATE}} with FATE one of " +
                             ", ".join(PRECHECK_FATES), "bad": bad})
            with w.lock:
                for k, v in fates.items():
                    if v is None:
                        w.precheck_fate.pop(k, None)
                    else:
                        w.precheck_fate[k] = v
            return self._ctl(start_response, 200, {"ok": True, "fates": len(w.precheck_fate)})
        if path == "ssm/instance" and method == "POST":
            # What JSON can carry and EC2's XML cannot (C0 controls): set
            # SSM's instance information fields of one instance.
            iid, fields = req.get("id"), req.get("fields")
            bad = [k for k in (fields or {}) if k not in SSM_SETTABLE or
                   not isinstance(fields[k], str)]
            if not isinstance(iid, str) or not isinstance(fields, dict) or bad:
                return self._ctl(start_response, 400, {
                    "error": "want {\"id\": ID, \"fields\": {FIELD: string}} with "
                             "FIELD one of " + ", ".join(sorted(SSM_SETTABLE)),
                    "bad": bad})
            with w.lock:
                w.ssm_fields.setdefault(iid, {}).update(fields)
            return self._ctl(start_response, 200, {"ok": True})
        return self._ctl(start_response, 404, {"error": "no such control endpoint",
                                               "endpoints": ["GET health", "GET log",
                                                             "POST log/clear", "GET faults",
                                                             "POST faults",
                                                             "GET faults/queue",
                                                             "POST faults/queue", "GET sns",
                                                             "GET clock", "POST clock",
                                                             "GET boot", "POST boot",
                                                             "GET precheck",
                                                             "POST precheck",
                                                             "POST ssm/instance"]})

    @staticmethod
    def _ctl(start_response, status, data):
        out = json.dumps(data, ensure_ascii=False).encode()
        start_response("%d %s" % (status, "OK" if status == 200 else "Error"),
                       [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
        return [out]


# SSM instance information fields POST /_sim/ssm/instance may set.
SSM_SETTABLE = {"PlatformName", "PlatformVersion", "AgentVersion", "ComputerName",
                "PingStatus", "PlatformType"}


def sns_messages():
    """Every SNS Publish moto recorded: [{topic, subject, message, ...}]."""
    from moto.sns.models import sns_backends
    out = []
    for account, regions in list(sns_backends.items()):
        for region, backend in list(regions.items()):
            for arn, topic in list(backend.topics.items()):
                for (mid, message, subject, attrs, group) in list(topic.sent_notifications):
                    out.append({"topic": arn, "subject": subject, "message": message,
                                "message_id": mid, "account": account, "region": region})
    return out


def create_accounts(world, n):
    """One IAM user and access key per account, created through moto's IAM."""
    from moto.iam.models import iam_backends
    for i in range(n):
        acct = ACCOUNT_IDS[i]
        iam = iam_backends[acct]["aws"]
        user = iam.create_user(region_name="us-east-1", user_name="patchdeck-sim")
        key = iam.create_access_key(user.name)
        world.accounts.append({"id": acct, "key": key.access_key_id,
                               "secret": key.secret_access_key, "user": user.arn})


def env_lines(world, port):
    a0 = world.accounts[0]
    url = "http://127.0.0.1:%d" % port
    lines = [
        "AWS_ENDPOINT_URL=%s" % url,
        "AWS_ACCESS_KEY_ID=%s" % a0["key"],
        "AWS_SECRET_ACCESS_KEY=%s" % a0["secret"],
        "AWS_REGION=%s" % world.regions[0],
        "AWS_DEFAULT_REGION=%s" % world.regions[0],
        "AWS_EC2_METADATA_DISABLED=true",
        "PATCHDECK_SIM_PORT=%d" % port,
        "PATCHDECK_SIM_URL=%s/_sim" % url,
        "PATCHDECK_SIM_PID=%d" % os.getpid(),
        "PATCHDECK_SIM_ACCOUNT_ID=%s" % a0["id"],
        "PATCHDECK_SIM_ACCOUNTS=%d" % len(world.accounts),
        "PATCHDECK_SIM_REGIONS=%s" % ",".join(world.regions),
    ]
    for i, a in enumerate(world.accounts, 1):
        lines += ["PATCHDECK_SIM_ACCOUNT_%d_ID=%s" % (i, a["id"]),
                  "PATCHDECK_SIM_ACCOUNT_%d_KEY=%s" % (i, a["key"]),
                  "PATCHDECK_SIM_ACCOUNT_%d_SECRET=%s" % (i, a["secret"])]
    return lines


def build(seed=0, fleet="none", accounts=1, regions=("us-east-1",), fault_spec="",
          time_scale=1.0, no_auth=False, boot_delay=20.0):
    """Set up moto state and return (Simulator, World); no socket yet."""
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    # moto's in-process boto3 must not look for the operator's profile: an
    # AWS_PROFILE that ~/.aws does not hold stopped the simulator at start.
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(k, None)
    import fleet as fleet_mod
    world = World(seed=seed, time_scale=time_scale)
    world.regions = list(regions)
    world.boot_delay = float(boot_delay)
    if not 1 <= accounts <= len(ACCOUNT_IDS):
        raise ValueError("--accounts must be 1..%d" % len(ACCOUNT_IDS))
    create_accounts(world, accounts)
    faults = faults_mod.Faults(faults_mod.parse_spec(fault_spec), seed)
    count, demo = fleet_mod.parse_fleet(fleet)
    if count:
        stats = fleet_mod.generate(world, count, [a["id"] for a in world.accounts],
                                   world.regions, seed, demo)
        world.info("fleet: %d instances in %.2f s over %d account/region pairs"
                   % (stats["instances"], stats["seconds"], stats["pairs"]))
    sim = Simulator(world, faults, no_auth=no_auth)
    return sim, world


def make_server(app, host, port):
    from werkzeug.serving import WSGIRequestHandler, make_server as mk

    class Quiet(WSGIRequestHandler):
        def log_request(self, *a, **k):
            pass

        def connection_dropped(self, error, environ=None):
            pass
    return mk(host, port, app, threaded=True, request_handler=Quiet)


def serve(args):
    stop = threading.Event()
    serving = []

    def on_signal(signum, frame):
        stop.set()
        if not serving:          # still building the fleet: nothing to shut down
            os._exit(0)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sim, world = build(args.seed, args.fleet, args.accounts,
                       [r.strip() for r in args.regions.split(",") if r.strip()],
                       args.faults, args.time_scale, args.no_auth, args.boot_delay)
    server = make_server(sim, args.host, args.port)
    port = server.server_address[1]
    serving.append(server)

    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True)
    t.start()

    def ticker():
        while not stop.wait(0.5):
            try:
                with world.lock:
                    sim.ssm.tick()
            except Exception as e:
                world.warn("tick: %s" % e)
    threading.Thread(target=ticker, daemon=True).start()

    lines = env_lines(world, port)
    if args.state_dir:
        os.makedirs(args.state_dir, exist_ok=True)
        tmp = os.path.join(args.state_dir, "env.tmp")
        # "export K=V": `. DIR/env` in any sh is enough (the README's
        # recipe); stdout keeps plain K=V lines for whoever reads the pipe.
        with open(tmp, "w") as f:
            f.write("".join("export %s\n" % l for l in lines))
        os.chmod(tmp, 0o600)
        os.replace(tmp, os.path.join(args.state_dir, "env"))
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    world.info("stopped")
    # Skip interpreter teardown: freeing 100,000 moto instances runs their
    # __del__ (a subnet lookup each) and takes longer than simctl waits.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="sim.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the simulator in the foreground")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--fleet", default="none", help="N, demo (600 over 6 windows) or none")
    s.add_argument("--accounts", type=int, default=1)
    s.add_argument("--regions", default="us-east-1")
    s.add_argument("--faults", default="", help="throttle=0.3,5xx=0.05,slow=0.1:1500,drop=0.02")
    s.add_argument("--time-scale", type=float, default=1.0,
                   help="simulated seconds per wall-clock second")
    s.add_argument("--boot-delay", type=float, default=20.0,
                   help="simulated seconds from StartInstances to the SSM agent Online "
                        "(tag sim:boot=SECONDS or never per instance; POST /_sim/boot)")
    s.add_argument("--state-dir", help="write DIR/env there once ready")
    s.add_argument("--no-auth", action="store_true", help="skip signature checks (debug only)")
    args = ap.parse_args(argv)
    try:
        return serve(args)
    except (ValueError, KeyError) as e:
        print("sim.py: %s" % e, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
