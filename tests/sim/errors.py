"""Error replies in each AWS protocol's own shape.

patchdeck's error parser must find the code and message in every protocol
(DESIGN.md §3), so the simulator's own errors (signature, faults, simulated
operations) use the same bodies the real services send:

  ec2    <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
  query  <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
         (SNS, STS, IAM)
  json   {"__type": "Code", "message": "..."}            (SSM, Athena: JSON 1.1)
  ddb    {"__type": "com.amazonaws.dynamodb.v20120810#Code", "message": "..."}
  s3     <Error><Code/><Message/><RequestId/></Error>
"""

import json
import uuid
from xml.sax.saxutils import escape

PROTOCOL = {
    "ec2": "ec2",
    "sns": "query", "sts": "query", "iam": "query",
    "ssm": "json", "athena": "json",
    "dynamodb": "ddb",
    "s3": "s3",
}

QUERY_NS = {
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}

# Codes AWS sends from its front end (not from the service), which DynamoDB
# prefixes with the coral namespace rather than its own.
CORAL_CODES = {
    "InvalidSignatureException", "UnrecognizedClientException",
    "MissingAuthenticationTokenException", "IncompleteSignatureException",
    "ThrottlingException",
}


def protocol_of(service):
    return PROTOCOL.get(service or "", "s3")


def request_id():
    return str(uuid.uuid4())


def error_response(service, status, code, message, rid=None):
    """Return (status, headers list, body bytes) for an error in service's shape."""
    rid = rid or request_id()
    proto = protocol_of(service)
    if proto in ("json", "ddb"):
        typ = code
        if proto == "ddb":
            ns = "com.amazon.coral.service#" if code in CORAL_CODES \
                else "com.amazonaws.dynamodb.v20120810#"
            typ = ns + code
        body = json.dumps({"__type": typ, "message": message}).encode()
        ctype = "application/x-amz-json-1.0" if proto == "ddb" else "application/x-amz-json-1.1"
        headers = [("Content-Type", ctype), ("x-amzn-RequestId", rid),
                   ("x-amzn-ErrorType", code)]
    elif proto == "ec2":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s'
                '</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID>'
                '</Response>' % (escape(code), escape(message), rid)).encode()
        headers = [("Content-Type", "text/xml;charset=UTF-8")]
    elif proto == "query":
        typ = "Receiver" if status >= 500 else "Sender"
        body = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
                '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n'
                '</ErrorResponse>\n' % (QUERY_NS.get(service, ""), typ, escape(code),
                                         escape(message), rid)).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)]
    else:
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s'
                '</Message><RequestId>%s</RequestId><HostId>%s</HostId></Error>'
                % (escape(code), escape(message), rid, rid)).encode()
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", rid)]
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body


# Per protocol: auth failure kind -> (HTTP status, code).
AUTH_CODES = {
    "ec2": {"missing": (401, "AuthFailure"), "malformed": (400, "IncompleteSignature"),
            "unknown-key": (401, "AuthFailure"), "bad-signature": (403, "SignatureDoesNotMatch"),
            "skew": (400, "RequestExpired"), "bad-token": (401, "AuthFailure")},
    "query": {"missing": (403, "MissingAuthenticationToken"),
              "malformed": (400, "IncompleteSignature"),
              "unknown-key": (403, "InvalidClientTokenId"),
              "bad-signature": (403, "SignatureDoesNotMatch"),
              "skew": (403, "SignatureDoesNotMatch"), "bad-token": (403, "InvalidClientTokenId")},
    "json": {"missing": (403, "MissingAuthenticationTokenException"),
             "malformed": (400, "IncompleteSignatureException"),
             "unknown-key": (403, "UnrecognizedClientException"),
             "bad-signature": (403, "InvalidSignatureException"),
             "skew": (403, "InvalidSignatureException"),
             "bad-token": (403, "UnrecognizedClientException")},
    "s3": {"missing": (403, "AccessDenied"), "malformed": (400, "AuthorizationHeaderMalformed"),
           "unknown-key": (403, "InvalidAccessKeyId"),
           "bad-signature": (403, "SignatureDoesNotMatch"),
           "skew": (403, "RequestTimeTooSkewed"), "bad-token": (400, "InvalidToken"),
           "bad-sha256": (400, "XAmzContentSHA256Mismatch")},
}
AUTH_CODES["ddb"] = AUTH_CODES["json"]

# EC2 answers an unsigned request with MissingAuthenticationToken but an unknown key
# with AuthFailure (401), which is what the real service sends.
AUTH_CODES["ec2"]["missing"] = (403, "MissingAuthenticationToken")


def auth_error(service, kind, message):
    proto = protocol_of(service)
    status, code = AUTH_CODES[proto].get(kind, AUTH_CODES[proto]["bad-signature"])
    if kind == "unknown-key" and proto == "s3":
        message = "The AWS Access Key Id you provided does not exist in our records."
    elif kind == "unknown-key" and proto == "ec2":
        message = "AWS was not able to validate the provided access credentials"
    return error_response(service, status, code, message)


THROTTLE = {
    "ec2": (503, "RequestLimitExceeded", "Request limit exceeded."),
    "query": (400, "Throttling", "Rate exceeded"),
    "json": (400, "ThrottlingException", "Rate exceeded"),
    "ddb": (400, "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded. "
            "Consider increasing your provisioning level with the UpdateTable API."),
    "s3": (503, "SlowDown", "Please reduce your request rate."),
}

SERVER_ERRORS = {
    "ec2": [(500, "InternalError", "An internal error has occurred"),
            (503, "Unavailable", "The server is overloaded and can't handle the request.")],
    "query": [(500, "InternalFailure", "An internal error occurred."),
              (503, "ServiceUnavailable", "Service is unavailable.")],
    "json": [(500, "InternalServerError", "An internal error occurred."),
             (503, "ServiceUnavailable", "Service is unavailable.")],
    "ddb": [(500, "InternalServerError", "Internal server error"),
            (503, "ServiceUnavailable", "Service is unavailable.")],
    "s3": [(500, "InternalError", "We encountered an internal error. Please try again."),
           (503, "ServiceUnavailable", "Service is unable to handle request.")],
}


def throttle_error(service):
    status, code, msg = THROTTLE[protocol_of(service)]
    return error_response(service, status, code, msg)


def server_error(service, which):
    status, code, msg = SERVER_ERRORS[protocol_of(service)][which % 2]
    return error_response(service, status, code, msg)
