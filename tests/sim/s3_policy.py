"""GetBucketPolicyStatus for the simulator: moto 5.2.1 has no such call (a
GET /bucket?policyStatus is answered as a ListObjects).

    status, body = policy_status(bucket_policy_bytes_or_None)

The verdict follows AWS's rule in its plainest form: a policy is public when one
of its Allow statements names the principal "*" (or {"AWS": "*"}) without a
Condition.  (AWS also accepts some conditions as non-public, e.g. a fixed
aws:SourceIp range; the simulator treats any Condition as restricting.)  No policy:
404 NoSuchBucketPolicy, as S3 answers.
"""
import json

NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _statements(policy):
    st = policy.get("Statement", [])
    return st if isinstance(st, list) else [st]


def _principal_is_everyone(p):
    if p == "*":
        return True
    if isinstance(p, dict):
        aws = p.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False


def is_public(policy):
    for s in _statements(policy):
        if not isinstance(s, dict) or s.get("Effect") != "Allow":
            continue
        if _principal_is_everyone(s.get("Principal")) and not s.get("Condition"):
            return True
    return False


def policy_status(policy_bytes):
    """(HTTP status, XML body) for GetBucketPolicyStatus; 404 gives the error
    code and message instead of a body: (404, ("NoSuchBucketPolicy", msg))."""
    if not policy_bytes:
        return 404, ("NoSuchBucketPolicy", "The bucket policy does not exist")
    try:
        policy = json.loads(policy_bytes)
    except ValueError:
        policy = {}
    verdict = "true" if isinstance(policy, dict) and is_public(policy) else "false"
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<PolicyStatus xmlns="%s">'
            "<IsPublic>%s</IsPublic></PolicyStatus>" % (NS, verdict))
    return 200, body.encode()
