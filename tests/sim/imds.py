#!/usr/bin/env python3
"""A stand-in for the EC2 instance metadata service, IMDSv2 only.

Listens on a free loopback port and prints its base URL on the first line
of stdout; exits when stdin reaches end of file (so it dies with the test
that started it) or on SIGTERM.

  PUT /latest/api/token                       needs the TTL header (else 400)
  GET /latest/meta-data/iam/security-credentials/       role name
  GET /latest/meta-data/iam/security-credentials/ROLE   credentials JSON
  GET /_count                                 {"put":..,"get":..,"refused":..}

For the credential chain's AssumeRole path it also answers, when it is
given as an STS endpoint, a minimal STS:

  POST / Action=AssumeRole                    credentials for one hour
  GET /_sts                                   the last form and the access
                                              key id it was signed with

Every metadata GET needs a token this server issued (else 401), as IMDSv2
with HttpTokens=required answers.  Stdlib only.
"""
import argparse
import datetime
import json
import re
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDS_PATH = "/latest/meta-data/iam/security-credentials/"


class State:
    def __init__(self, role, expires_in):
        self.role = role
        self.expires_in = expires_in
        self.tokens = set()
        self.counts = {"put": 0, "get": 0, "refused": 0, "sts": 0}
        self.last_sts = {}
        self.lock = threading.Lock()

    def count(self, what):
        with self.lock:
            self.counts[what] += 1


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, status, body, ctype="text/plain"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def drain(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)

        def do_PUT(self):
            self.drain()
            if self.path != "/latest/api/token":
                self.reply(404, "not found")
                return
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            try:
                ok = ttl is not None and 1 <= int(ttl) <= 21600
            except ValueError:
                ok = False
            if not ok:
                state.count("refused")
                self.reply(400, "missing or invalid TTL header")
                return
            state.count("put")
            token = secrets.token_urlsafe(32)
            with state.lock:
                state.tokens.add(token)
            self.reply(200, token)

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(n).decode(),
                                         keep_blank_values=True)
            form = {k: v[0] for k, v in form.items()}
            auth = self.headers.get("Authorization") or ""
            m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/[^/]+/"
                         r"([^/]+)/sts/aws4_request", auth)
            if form.get("Action") != "AssumeRole" or not m or \
                    not form.get("RoleArn") or \
                    not form.get("RoleSessionName"):
                state.count("refused")
                self.reply(400, "<ErrorResponse><Error><Type>Sender</Type>"
                           "<Code>InvalidRequest</Code><Message>bad "
                           "AssumeRole</Message></Error><RequestId>r1"
                           "</RequestId></ErrorResponse>", "text/xml")
                return
            state.count("sts")
            with state.lock:
                state.last_sts = dict(form, SignedWith=m.group(1),
                                      Region=m.group(2))
            exp = datetime.datetime.now(datetime.timezone.utc) + \
                datetime.timedelta(seconds=int(form.get("DurationSeconds")
                                               or 3600))
            self.reply(200, """<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/r/%s</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:%s</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIASTSTESTKEY000001</AccessKeyId>
      <SecretAccessKey>sts-secret-%s</SecretAccessKey>
      <SessionToken>sts-session-token</SessionToken>
      <Expiration>%s</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
</AssumeRoleResponse>
""" % (form["RoleSessionName"], form["RoleSessionName"],
                secrets.token_hex(8), exp.strftime("%Y-%m-%dT%H:%M:%SZ")),
                "text/xml")

        def do_GET(self):
            if self.path == "/_sts":
                with state.lock:
                    body = json.dumps(state.last_sts, sort_keys=True)
                self.reply(200, body, "application/json")
                return
            if self.path == "/_count":
                with state.lock:
                    body = json.dumps(state.counts)
                self.reply(200, body, "application/json")
                return
            token = self.headers.get("X-aws-ec2-metadata-token")
            with state.lock:
                valid = token in state.tokens
            if not valid:
                state.count("refused")
                self.reply(401, "")
                return
            state.count("get")
            if self.path == CREDS_PATH:
                if not state.role:
                    self.reply(404, "not found")
                else:
                    self.reply(200, state.role)
                return
            if state.role and self.path == CREDS_PATH + state.role:
                now = datetime.datetime.now(datetime.timezone.utc)
                exp = now + datetime.timedelta(seconds=state.expires_in)
                fmt = "%Y-%m-%dT%H:%M:%SZ"
                self.reply(200, json.dumps({
                    "Code": "Success",
                    "LastUpdated": now.strftime(fmt),
                    "Type": "AWS-HMAC",
                    "AccessKeyId": "ASIAIMDSTESTKEY00001",
                    "SecretAccessKey": "imds-secret-" + secrets.token_hex(8),
                    "Token": "imds-session-token",
                    "Expiration": exp.strftime(fmt),
                }, indent=2), "application/json")
                return
            self.reply(404, "not found")

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--role", default="patchdeck-test-role")
    ap.add_argument("--no-role", action="store_true")
    ap.add_argument("--expires-in", type=int, default=6 * 3600)
    args = ap.parse_args()
    state = State(None if args.no_role else args.role, args.expires_in)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    srv.daemon_threads = True
    print("http://127.0.0.1:%d" % srv.server_address[1], flush=True)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except OSError:
            pass
        srv.shutdown()

    threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
