"""SigV4 signature checking for every request the simulator answers.

Why here and not moto's own check: moto verifies signatures only for the
services it dispatches itself and only after INITIAL_NO_AUTH_ACTION_COUNT, and
our simulated operations (DescribeInstances pages, SSM run command, Athena)
never reach moto's responses at all.  So the middleware checks every AWS
request once, up front, with botocore's own signer: if patchdeck's C signer
and botocore disagree, the test fails here, which is the point.

The signature is recomputed from what arrived on the wire: the method, the raw
(still percent-encoded) path and query, exactly the headers named in
SignedHeaders with the values received, the X-Amz-Date timestamp and the body
(or the x-amz-content-sha256 value when the client sent one, as S3 requires).
"""

import datetime
import hashlib
import hmac
import os
import re
import sys
import threading

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)

# Requests older or newer than this are refused, as AWS does.
MAX_SKEW = datetime.timedelta(minutes=15)

UNSIGNED_PAYLOADS = (
    "UNSIGNED-PAYLOAD",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
)


class AuthError(Exception):
    """A request the service would refuse before doing anything.

    kind is one of: missing (no Authorization), malformed, unknown-key,
    bad-signature, skew, bad-token, bad-sha256.  sim.py turns it into the
    service's own error shape and code.
    """

    def __init__(self, kind, message, access_key=None, service=None, region=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.access_key = access_key
        self.service = service
        self.region = region


class ParsedAuth:
    """What the Authorization header says: key, scope and signed headers."""

    def __init__(self, access_key, date, region, service, signed_headers, signature):
        self.access_key = access_key
        self.date = date
        self.region = region
        self.service = service
        self.signed_headers = signed_headers
        self.signature = signature


def parse_authorization(value):
    """Parse a SigV4 Authorization header; None when it is not one."""
    if not value:
        return None
    m = AUTH_RE.match(value.strip())
    if not m:
        return None
    parts = m.group("cred").split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return None
    return ParsedAuth(parts[0], parts[1], parts[2], parts[3],
                      m.group("signed").lower().split(";"), m.group("sig").lower())


def service_from_environ(environ):
    """The signing service name in the credential scope, or None."""
    p = parse_authorization(environ.get("HTTP_AUTHORIZATION", ""))
    return (p.service, p.region) if p else (None, None)


class _ExactHeaders(SigV4Auth):
    """botocore's signer, but signing exactly the headers the client named.

    botocore drops a few headers (user-agent, expect, ...) from what it signs
    when it is the client; a server must use the client's list instead.
    """

    def headers_to_sign(self, request):
        hm = HTTPHeaders()
        for name, value in request.headers.items():
            hm[name.lower()] = value
        return hm


class _ExactHeadersS3(_ExactHeaders, S3SigV4Auth):
    pass


class KeyStore:
    """Finds the secret (and session token) of an access key in moto's IAM.

    Keys come from moto's IAM backends of every account: users' keys created
    at start-up and the temporary ASIA... keys moto's STS AssumeRole creates.
    Found keys are cached; unknown ones are looked up again each time since
    AssumeRole may create them at any moment.
    """

    def __init__(self):
        self._cache = {}
        self._lock = threading.Lock()

    def lookup(self, access_key):
        """Return (secret, account_id, session_token or None) or None."""
        with self._lock:
            hit = self._cache.get(access_key)
        if hit:
            return hit
        from moto.iam.models import iam_backends
        from moto.sts.models import sts_backends

        for account_id, account in list(iam_backends.items()):
            try:
                backend = account["aws"]
            except KeyError:
                continue
            key = backend.access_keys.get(access_key)
            if key is None or getattr(key, "status", "Active") != "Active":
                continue
            token = None
            if access_key.startswith("ASIA"):
                try:
                    for role in sts_backends[account_id]["aws"].assumed_roles:
                        if role.access_key_id == access_key:
                            token = role.session_token
                except KeyError:
                    pass
            hit = (key.secret_access_key, account_id, token)
            with self._lock:
                self._cache[access_key] = hit
            return hit
        return None


def _header_values(environ, name):
    """The value of a request header as the client sent it (WSGI naming)."""
    if name == "content-type":
        return environ.get("CONTENT_TYPE")
    if name == "content-length":
        return environ.get("CONTENT_LENGTH")
    return environ.get("HTTP_" + name.upper().replace("-", "_"))


def verify(environ, body, keys, now=None):
    """Check the request's SigV4 signature; return (ParsedAuth, account_id).

    Raises AuthError describing why AWS would refuse it.
    """
    raw = environ.get("HTTP_AUTHORIZATION")
    if not raw:
        if "X-Amz-Signature=" in environ.get("QUERY_STRING", ""):
            raise AuthError("malformed", "Presigned URLs are not supported by the simulator")
        raise AuthError("missing", "Missing Authentication Token")
    p = parse_authorization(raw)
    if p is None:
        raise AuthError("malformed", "Authorization header requires 'Credential', "
                        "'Signature' and 'SignedHeaders' parameters (AWS4-HMAC-SHA256 only)")
    found = keys.lookup(p.access_key)
    if found is None:
        raise AuthError("unknown-key", "The security token included in the request is invalid.",
                        p.access_key, p.service, p.region)
    secret, account_id, token = found

    amz_date = environ.get("HTTP_X_AMZ_DATE")
    if not amz_date:
        raise AuthError("malformed", "Missing X-Amz-Date header", p.access_key, p.service, p.region)
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        raise AuthError("malformed", "Invalid X-Amz-Date: " + amz_date, p.access_key,
                        p.service, p.region)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if abs(now - when) > MAX_SKEW:
        raise AuthError("skew", "Signature expired: %s is now earlier than %s or later than %s"
                        % (amz_date, (now - MAX_SKEW).strftime("%Y%m%dT%H%M%SZ"),
                           (now + MAX_SKEW).strftime("%Y%m%dT%H%M%SZ")),
                        p.access_key, p.service, p.region)
    if amz_date[:8] != p.date:
        raise AuthError("bad-signature", "Credential scope date does not match X-Amz-Date",
                        p.access_key, p.service, p.region)
    if "host" not in p.signed_headers:
        raise AuthError("bad-signature", "'Host' must be a signed header",
                        p.access_key, p.service, p.region)

    is_s3 = p.service == "s3"
    headers = HTTPHeaders()
    for name in p.signed_headers:
        v = _header_values(environ, name)
        if v is None:
            raise AuthError("bad-signature", "Signed header %s is missing from the request" % name,
                            p.access_key, p.service, p.region)
        headers[name] = v

    content_sha = environ.get("HTTP_X_AMZ_CONTENT_SHA256")
    if is_s3:
        if not content_sha:
            raise AuthError("malformed", "Missing required header for this request: "
                            "x-amz-content-sha256", p.access_key, p.service, p.region)
        if content_sha not in UNSIGNED_PAYLOADS and \
                content_sha.lower() != hashlib.sha256(body).hexdigest():
            raise AuthError("bad-sha256", "The provided 'x-amz-content-sha256' header does not "
                            "match what was computed.", p.access_key, p.service, p.region)

    path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    path = path.split("?", 1)[0]
    if path.startswith("http://") or path.startswith("https://"):
        path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
    query = environ.get("QUERY_STRING", "")
    url = "http://" + (environ.get("HTTP_HOST") or "localhost") + path + ("?" + query if query else "")
    req = AWSRequest(method=environ["REQUEST_METHOD"], url=url, headers=headers, data=body)
    req.context["timestamp"] = amz_date
    signer_cls = _ExactHeadersS3 if is_s3 else _ExactHeaders
    signer = signer_cls(Credentials(p.access_key, secret), p.service, p.region)
    canonical = signer.canonical_request(req)
    sts = signer.string_to_sign(req, canonical)
    want = signer.signature(sts, req)
    if not hmac.compare_digest(want, p.signature):
        if os.environ.get("PATCHDECK_SIM_DEBUG_AUTH"):
            sys.stderr.write("sim: signature mismatch, canonical request:\n%s\n" % canonical)
        raise AuthError("bad-signature",
                        "The request signature we calculated does not match the signature you "
                        "provided. Check your AWS Secret Access Key and signing method. Consult "
                        "the service documentation for details.",
                        p.access_key, p.service, p.region)
    if token is not None:
        got = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
        if got != token:
            raise AuthError("bad-token", "The security token included in the request is invalid.",
                            p.access_key, p.service, p.region)
    return p, account_id
