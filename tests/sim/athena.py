"""Athena for the patch-night simulator: queries executed for real over S3 objects.

The server routes AmazonAthena.<Op> calls here:

    sim = AthenaSim(s3_get_object, s3_list_objects, clock=time.time, s3_put_object=None)
    status, reply = sim.handle(op, body, account, region)

s3_get_object(bucket, key) -> bytes, s3_list_objects(bucket, prefix) -> [key, ...],
s3_put_object(bucket, key, data) (optional: query results are then written to the
OutputLocation as <id>.csv, quoted the way Athena writes them; DDL gives an empty
<id>.txt).

What is simulated
- Ops: StartQueryExecution (ClientRequestToken idempotency, QueryExecutionContext,
  ResultConfiguration.OutputLocation, ExecutionParameters for `?`),
  GetQueryExecution, GetQueryResults (MaxResults 1..1000, NextToken; the first row
  of the first page is the header row and counts against MaxResults; every value a
  VarCharValue string, NULL values are an empty Datum), StopQueryExecution.
  Errors are JSON 1.1: {"__type": "InvalidRequestException", "Message": ...,
  "AthenaErrorCode": ...}.
- State: QUEUED for the first QUEUE_S of clock, RUNNING until RUN_S, then the
  statement executes (on the first look after RUN_S, so it sees S3 as it is then)
  and the query is SUCCEEDED or FAILED with StateChangeReason and AthenaError.
  StopQueryExecution before that gives CANCELLED.
- Catalogue per account and region: CREATE DATABASE/SCHEMA [IF NOT EXISTS],
  CREATE EXTERNAL TABLE [IF NOT EXISTS] (columns, PARTITIONED BY, SERDE and its
  properties, LOCATION, TBLPROPERTIES), DROP TABLE [IF EXISTS], MSCK REPAIR TABLE
  and ALTER TABLE ... ADD PARTITION (for tables without projection), SHOW TABLES.
  As in Athena the database must exist ("default" always does) and an outright
  CREATE TABLE (not EXTERNAL) fails.
- SELECT / WITH: every table named after FROM or JOIN is loaded into an in-memory
  sqlite3 table from the objects under its location: one JSON object per line (a
  file holding one pretty-printed object is read whole), keys matched
  case-insensitively, values coerced to the column types the way the OpenX SerDe
  does (numbers into string columns as their text, nested values as JSON text,
  unconvertible values NULL); arrays and structs are kept as JSON text.  Partition columns come from the key path
  (dt=YYYY-MM-DD/...).  With partition projection (type date) only keys under
  storage.location.template (or LOCATION/dt=.../) whose dt is a valid date inside
  projection.dt.range as of the clock are visible; without projection only
  registered partitions are.  Keys whose file name starts with "_" or "." are
  ignored, as Athena does.
- Malformed JSON: with the OpenX SerDe and 'ignore.malformed.json'='true' a
  malformed line becomes a row of NULLs (partition columns still set), which is
  what the OpenX SerDe returns.  The Hive JSON SerDe
  (org.apache.hive.hcatalog.data.JsonSerDe, the one data/athena uses) has no such
  property and reads one object per line only (a pretty-printed object is
  malformed): a malformed line FAILs the query with HIVE_CURSOR_ERROR, as it
  does in Athena; so does any SerDe without the property.  Either way the count
  is kept in self.malformed (per query in self.queries[id]["malformed"]).
- SQL dialect: the query runs in sqlite after a few Presto/Trino-isms are
  translated: `date '...'` / `timestamp '...'` literals, count_if, approx_distinct,
  strpos, regexp_like, json_extract_scalar, LIKE made case-sensitive.
  Backquoted identifiers in a SELECT fail as they do in Athena.

Known differences (partial): sqlite is looser than Trino about types ('1' = 1) and
about GROUP BY (bare columns are accepted); NULLs sort first in ascending order in
sqlite and last in Trino, so data/athena writes NULLS LAST where it matters;
projection types other than date accept every value.
"""
import base64
import datetime
import functools
import json
import re
import sqlite3
import time
import uuid

QUEUE_S = 0.1
HIVE_JSON_SERDE = "org.apache.hive.hcatalog.data.JsonSerDe"
RUN_S = 0.2

KEYWORDS_AFTER_TABLE = {
    "where", "group", "order", "limit", "join", "left", "right", "inner", "outer", "full",
    "cross", "on", "union", "having", "offset", "using", "natural", "except", "intersect",
    "window", "fetch", "tablesample",
}
TYPE_NAMES = {
    "string": "varchar", "varchar": "varchar", "char": "varchar", "int": "integer",
    "integer": "integer", "bigint": "bigint", "smallint": "smallint", "tinyint": "tinyint",
    "double": "double", "float": "float", "boolean": "boolean", "date": "date",
    "timestamp": "timestamp", "decimal": "decimal",
}


class QueryError(Exception):
    """A statement failed: code like SYNTAX_ERROR, and the message Athena shows."""

    def __init__(self, code, message, category=2):
        super().__init__(message)
        self.code = code
        self.message = message
        self.category = category  # AthenaError.ErrorCategory: 1 system, 2 user


class RequestError(Exception):
    def __init__(self, message, code="INVALID_INPUT", etype="InvalidRequestException", status=400):
        super().__init__(message)
        self.message, self.code, self.etype, self.status = message, code, etype, status


# --- lexer -------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qid>"(?:[^"]|"")*")
  | (?P<bq>`(?:[^`]|``)*`)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<op><>|!=|<=|>=|\|\||::|.)
""", re.S | re.X)


def tokenize(sql):
    out, pos = [], 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if not m:
            raise QueryError("SYNTAX_ERROR", "line 1:%d: unterminated literal or identifier" % (pos + 1))
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "op" and text in ("'", '"', "`"):
            raise QueryError("SYNTAX_ERROR", "line 1:%d: unterminated string literal" % (pos + 1))
        out.append((kind, text))
        pos = m.end()
    return out


def significant(tokens):
    return [t for t in tokens if t[0] not in ("ws", "comment")]


def unquote_ident(tok):
    kind, text = tok
    if kind == "qid":
        return text[1:-1].replace('""', '"')
    if kind == "bq":
        return text[1:-1].replace("``", "`")
    return text


def unquote_str(text):
    return text[1:-1].replace("''", "'")


def is_word(tok, *words):
    return tok is not None and tok[0] == "word" and tok[1].lower() in words


def sq(name):
    return '"' + name.replace('"', '""') + '"'


# --- DDL ----------------------------------------------------------------------------

class Table:
    def __init__(self, db, name):
        self.db, self.name = db, name
        self.columns = []       # [(name, hive type)]
        self.partitions = []    # [(name, hive type)]
        self.serde = ""
        self.serde_props = {}
        self.location = ""
        self.props = {}
        self.registered = {}    # partition values tuple -> location (tables without projection)

    @property
    def projected(self):
        return self.props.get("projection.enabled", "").lower() == "true"


def split_top(tokens, sep=","):
    """Split a token list at top-level separators (outside (), <>)."""
    parts, cur, depth = [], [], 0
    for t in tokens:
        if t[0] == "op" and t[1] in "(<":
            depth += 1
        elif t[0] == "op" and t[1] in ")>":
            depth -= 1
        if depth == 0 and t[0] == "op" and t[1] == sep:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


def take_parens(toks, i):
    """toks[i] is '('; return (inner tokens, index after the matching ')')."""
    if i >= len(toks) or toks[i] != ("op", "("):
        raise QueryError("SYNTAX_ERROR", "expected '(' near %r" % (toks[i][1] if i < len(toks) else "end"))
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] == ("op", "("):
            depth += 1
        elif toks[j] == ("op", ")"):
            depth -= 1
            if depth == 0:
                return toks[i + 1:j], j + 1
    raise QueryError("SYNTAX_ERROR", "unbalanced parentheses")


def take_name(toks, i):
    """A possibly dotted, possibly quoted name at toks[i]: (parts, next index)."""
    parts = []
    while i < len(toks) and toks[i][0] in ("word", "qid", "bq"):
        parts.append(unquote_ident(toks[i]))
        i += 1
        if i < len(toks) and toks[i] == ("op", "."):
            i += 1
            continue
        break
    if not parts:
        raise QueryError("SYNTAX_ERROR", "expected a name near %r" % (toks[i][1] if i < len(toks) else "end"))
    return parts, i


def parse_columns(tokens):
    cols = []
    for part in split_top(tokens):
        if not part:
            continue
        name = unquote_ident(part[0]).lower()
        typ = "".join(t[1] for t in part[1:] if not is_word(t, "comment") and t[0] != "str").lower()
        # drop a COMMENT '...' clause
        k = [i for i, t in enumerate(part) if is_word(t, "comment")]
        if k:
            typ = "".join(t[1] for t in part[1:k[0]]).lower()
        if not typ:
            raise QueryError("SYNTAX_ERROR", "column %s has no type" % name)
        cols.append((name, typ))
    return cols


def parse_props(tokens):
    props = {}
    for part in split_top(tokens):
        if len(part) != 3 or part[0][0] != "str" or part[1] != ("op", "=") or part[2][0] != "str":
            raise QueryError("SYNTAX_ERROR", "bad property list")
        props[unquote_str(part[0][1])] = unquote_str(part[2][1])
    return props


def parse_s3(url):
    m = re.match(r"s3a?://([^/]+)/?(.*)$", url)
    if not m:
        raise QueryError("HIVE_METASTORE_ERROR", "location %r is not an s3:// URL" % url)
    return m.group(1), m.group(2)


# --- coercion (OpenX JsonSerDe) ------------------------------------------------------

@functools.lru_cache(maxsize=None)
def base_type(t):
    return re.split(r"[(<]", t, 1)[0]


def coerce(value, hive_type):
    if value is None:
        return None
    t = base_type(hive_type)
    if type(value) is str and t == "string":
        return value
    if t in ("string", "varchar", "char"):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
            return repr(value)
        return str(value)
    if t in ("int", "integer", "bigint", "smallint", "tinyint"):
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        return None
    if t in ("double", "float", "decimal"):
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return float(value) if isinstance(value, str) else None
        except ValueError:
            return None
    if t == "boolean":
        if isinstance(value, bool):
            return 1 if value else 0
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return 1 if value.lower() == "true" else 0
        return None
    # arrays, maps, structs, dates: kept as text
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def parse_objects(data, whole=True):
    """Yield dicts, or None for each malformed object.  whole: a file holding
    one pretty-printed object is read whole (the OpenX SerDe's leniency)."""
    text = data.decode("utf-8", "replace")
    stripped = text.strip()
    if not stripped:
        return
    if whole and "\n" in stripped:
        try:
            whole = json.loads(stripped)
        except ValueError:
            whole = None
        if isinstance(whole, dict):
            yield whole
            return
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            yield None
            continue
        yield obj if isinstance(obj, dict) else None


# --- partition projection (type date) ------------------------------------------------

_JAVA_FMT = [("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S")]


def java_to_strptime(fmt):
    for a, b in _JAVA_FMT:
        fmt = fmt.replace(a, b)
    return fmt


def range_bound(text, now):
    text = text.strip()
    m = re.fullmatch(r"NOW(?:\s*([-+])\s*(\d+)\s*(YEAR|MONTH|WEEK|DAY|HOUR|MINUTE|SECOND)S?)?", text, re.I)
    if not m:
        return None
    if not m.group(1):
        return now
    n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
    unit = m.group(3).upper()
    if unit == "YEAR":
        try:
            return now.replace(year=now.year + n)
        except ValueError:
            return now.replace(year=now.year + n, day=28)
    if unit == "MONTH":
        y, mo = divmod(now.month - 1 + n, 12)
        return now.replace(year=now.year + y, month=mo + 1, day=min(now.day, 28))
    return now + datetime.timedelta(**{unit.lower() + "s": n})


def projected_ok(table, col, value, now):
    typ = table.props.get("projection.%s.type" % col, "")
    if typ != "date":
        return True
    fmt = java_to_strptime(table.props.get("projection.%s.format" % col, "yyyy-MM-dd"))
    try:
        d = datetime.datetime.strptime(value, fmt)
    except ValueError:
        return False
    if d.strftime(fmt) != value:
        return False
    rng = table.props.get("projection.%s.range" % col, "")
    if "," in rng:
        lo_s, hi_s = rng.split(",", 1)
        lo, hi = range_bound(lo_s, now), range_bound(hi_s, now)
        if lo is None:
            try:
                lo = datetime.datetime.strptime(lo_s.strip(), fmt)
            except ValueError:
                return False
        if hi is None:
            try:
                hi = datetime.datetime.strptime(hi_s.strip(), fmt)
            except ValueError:
                return False
        # compare at the granularity of the format (a day for yyyy-MM-dd)
        lo = datetime.datetime.strptime(lo.strftime(fmt), fmt)
        hi = datetime.datetime.strptime(hi.strftime(fmt), fmt)
        return lo <= d <= hi
    return True


# --- sqlite functions ---------------------------------------------------------------

def partition_bounds(toks, pcols):
    """{col: (lo, hi)} for partition columns constrained by a top-level conjunct
    of the WHERE clause (col = 'x', col >= 'x', col BETWEEN 'a' AND 'b', ...).
    Only for a single-table query without OR, subqueries, joins or set
    operations at the top level; anything else gives {} (read everything).
    The query still applies its WHERE clause; this only skips reading."""
    low = [t[1].lower() if t[0] == "word" else None for t in toks]
    if any(w in ("join", "union", "intersect", "except") for w in low) or low.count("select") != 1:
        return {}
    if "where" not in low:
        return {}
    i = low.index("where") + 1
    conj, cur, depth = [], [], 0
    between = False
    while i < len(toks):
        t = toks[i]
        if t == ("op", "("):
            depth += 1
        elif t == ("op", ")"):
            depth -= 1
        if depth == 0:
            if low[i] in ("group", "order", "limit", "having", "offset"):
                break
            if low[i] == "or":
                return {}
            if low[i] == "between":
                between = True
            elif low[i] == "and":
                if between:
                    between = False
                else:
                    conj.append(cur)
                    cur = []
                    i += 1
                    continue
        cur.append(t)
        i += 1
    conj.append(cur)
    out = {}
    for c in conj:
        if not c or c[0][0] not in ("word", "qid") or unquote_ident(c[0]).lower() not in pcols:
            continue
        col = unquote_ident(c[0]).lower()
        lo, hi = out.get(col, (None, None))
        if (len(c) == 5 and is_word(c[1], "between") and c[2][0] == "str" and is_word(c[3], "and")
                and c[4][0] == "str"):
            a, b = unquote_str(c[2][1]), unquote_str(c[4][1])
            lo, hi = max(lo or a, a), min(hi or b, b)
        elif len(c) == 3 and c[1][0] == "op" and c[2][0] == "str":
            v, op = unquote_str(c[2][1]), c[1][1]
            if op == "=":
                lo, hi = max(lo or v, v), min(hi or v, v)
            elif op in (">=", ">"):
                lo = max(lo or v, v)
            elif op in ("<=", "<"):
                hi = min(hi or v, v)
            else:
                continue
        else:
            continue
        out[col] = (lo, hi)
    return out


def rewrite_aggregates(toks):
    """count_if(x) -> count(CASE WHEN (x) THEN 1 END), approx_distinct(x) ->
    count(DISTINCT x): both give 0, not NULL, over no rows, as in Trino."""
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if is_word(t, "count_if", "approx_distinct") and i + 1 < len(toks) and toks[i + 1] == ("op", "("):
            inner, j = take_parens(toks, i + 1)
            inner = rewrite_aggregates(inner)
            if t[1].lower() == "count_if":
                new = [("word", "count"), ("op", "("), ("word", "CASE"), ("word", "WHEN"), ("op", "(")] + inner + [
                    ("op", ")"), ("word", "THEN"), ("num", "1"), ("word", "END"), ("op", ")")]
            else:
                new = [("word", "count"), ("op", "("), ("word", "DISTINCT")] + inner + [("op", ")")]
            out.extend(new)
            i = j
            continue
        out.append(t)
        i += 1
    return out


def _strpos(s, sub):
    if s is None or sub is None:
        return None
    return s.find(sub) + 1


def _regexp_like(s, pat):
    if s is None or pat is None:
        return None
    return 1 if re.search(pat, s) else 0


def _json_extract_scalar(doc, path):
    if doc is None or path is None:
        return None
    try:
        v = json.loads(doc)
    except ValueError:
        return None
    for m in re.finditer(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[\"([^\"]*)\"\]", path[1:]):
        key = m.group(1) or m.group(3)
        try:
            v = v[int(m.group(2))] if m.group(2) is not None else v[key]
        except (KeyError, IndexError, TypeError):
            return None
    if isinstance(v, (dict, list)):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return None if v is None else str(v)


# --- the simulator ------------------------------------------------------------------

class AthenaSim:
    def __init__(self, s3_get_object, s3_list_objects, clock=time.time, s3_put_object=None):
        self.s3_get = s3_get_object
        self.s3_list = s3_list_objects
        self.s3_put = s3_put_object
        self.clock = clock
        self.catalogs = {}   # (account, region) -> {"dbs": {db: {table: Table}}}
        self.queries = {}    # id -> dict
        self.tokens = {}     # (account, region, ClientRequestToken) -> id
        self.malformed = 0

    # -- API ------------------------------------------------------------------------
    def handle(self, op, body, account, region):
        try:
            fn = {
                "StartQueryExecution": self._start,
                "GetQueryExecution": self._get_execution,
                "GetQueryResults": self._get_results,
                "StopQueryExecution": self._stop,
                "BatchGetQueryExecution": self._batch_get,
                "ListQueryExecutions": self._list_executions,
                "GetWorkGroup": self._get_workgroup,
                "ListWorkGroups": self._list_workgroups,
                "ListDatabases": self._list_databases,
                "GetDatabase": self._get_database,
                "GetTableMetadata": self._get_table,
                "ListTableMetadata": self._list_tables,
            }.get(op)
            if fn is None:
                raise RequestError("Operation %s is not supported by the simulator" % op,
                                   etype="UnknownOperationException")
            if not isinstance(body, dict):
                raise RequestError("request body must be a JSON object")
            return 200, fn(body or {}, account, region)
        except RequestError as e:
            reply = {"__type": e.etype, "Message": e.message}
            if e.etype == "InvalidRequestException":
                reply["AthenaErrorCode"] = e.code
            return e.status, reply
        except Exception as e:  # a simulator bug must look like a server error, not hang
            return 500, {"__type": "InternalServerException", "Message": "simulator: %r" % (e,)}

    def _catalog(self, account, region):
        return self.catalogs.setdefault((account, region), {"dbs": {"default": {}}})

    def _query(self, body, account, region):
        qid = body.get("QueryExecutionId")
        if not isinstance(qid, str) or not qid:
            raise RequestError("QueryExecutionId is required")
        q = self.queries.get(qid)
        if q is None or (q["account"], q["region"]) != (account, region):
            raise RequestError("QueryExecution %s was not found" % qid)
        return q

    def _start(self, body, account, region):
        sql = body.get("QueryString")
        if not isinstance(sql, str) or not sql.strip():
            raise RequestError("QueryString is required and must not be empty")
        if len(sql) > 262144:
            raise RequestError("QueryString is longer than 262144 characters")
        token = body.get("ClientRequestToken")
        if token is not None:
            if not isinstance(token, str) or not 32 <= len(token) <= 128:
                raise RequestError("ClientRequestToken must be 32 to 128 characters")
            known = self.tokens.get((account, region, token))
            if known:
                if self.queries[known]["sql"] != sql:
                    raise RequestError("ClientRequestToken was already used with a different query",
                                       code="INVALID_INPUT")
                return {"QueryExecutionId": known}
        ctx = body.get("QueryExecutionContext") or {}
        rc = body.get("ResultConfiguration") or {}
        wg = body.get("WorkGroup") or "primary"
        out = rc.get("OutputLocation")
        if out is not None and not re.match(r"s3://[^/]+", str(out)):
            raise RequestError("OutputLocation must be an s3:// URL")
        if not out and wg == "primary":
            raise RequestError("No output location provided. An output location is required either "
                               "through the Workgroup result configuration setting or as an API input.")
        params = body.get("ExecutionParameters")
        qid = str(uuid.uuid4())
        self.queries[qid] = {
            "id": qid, "sql": sql, "account": account, "region": region,
            "db": (ctx.get("Database") or "default").lower(),
            "catalog": ctx.get("Catalog") or "AwsDataCatalog",
            "out": out.rstrip("/") + "/" if out else None, "wg": wg, "params": params,
            "submitted": self.clock(), "state": None, "reason": None, "error": None,
            "columns": [], "rows": [], "kind": "DML", "completed": None, "malformed": 0,
            "scanned": 0,
        }
        if token is not None:
            self.tokens[(account, region, token)] = qid
        return {"QueryExecutionId": qid}

    def _advance(self, q):
        """Move q along by the clock; run the statement when its time comes."""
        if q["state"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return q["state"]
        elapsed = self.clock() - q["submitted"]
        if elapsed < QUEUE_S:
            return "QUEUED"
        if elapsed < RUN_S:
            return "RUNNING"
        try:
            self._execute(q)
            q["state"] = "SUCCEEDED"
        except QueryError as e:
            q["state"], q["reason"], q["error"] = "FAILED", "%s: %s" % (e.code, e.message), e
            q["columns"], q["rows"] = [], []
        q["completed"] = q["submitted"] + RUN_S
        if q["state"] == "SUCCEEDED":
            self._write_output(q)
        return q["state"]

    def _get_execution(self, body, account, region):
        q = self._query(body, account, region)
        state = self._advance(q)
        status = {"State": state, "SubmissionDateTime": q["submitted"]}
        if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            status["CompletionDateTime"] = q["completed"] or self.clock()
        if state == "FAILED":
            e = q["error"]
            status["StateChangeReason"] = q["reason"]
            status["AthenaError"] = {"ErrorCategory": e.category, "ErrorType": 1000 if e.category == 2 else 401,
                                     "Retryable": False, "ErrorMessage": q["reason"]}
        elif state == "CANCELLED":
            status["StateChangeReason"] = "Query cancelled by user"
        qe = {
            "QueryExecutionId": q["id"], "Query": q["sql"], "StatementType": q["kind"],
            "ResultConfiguration": {},
            "QueryExecutionContext": {"Database": q["db"], "Catalog": q["catalog"]},
            "Status": status,
            "Statistics": {
                "EngineExecutionTimeInMillis": int((RUN_S - QUEUE_S) * 1000),
                "DataScannedInBytes": q["scanned"],
                "TotalExecutionTimeInMillis": int(RUN_S * 1000),
                "QueryQueueTimeInMillis": int(QUEUE_S * 1000),
                "ServicePreProcessingTimeInMillis": 0, "QueryPlanningTimeInMillis": 0,
                "ServiceProcessingTimeInMillis": 0,
            },
            "WorkGroup": q["wg"],
            "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
        }
        if q["out"]:
            qe["ResultConfiguration"]["OutputLocation"] = q["out"] + q["id"] + (".csv" if q["kind"] == "DML" else ".txt")
        if q["params"]:
            qe["ExecutionParameters"] = q["params"]
        return {"QueryExecution": qe}

    def _get_results(self, body, account, region):
        q = self._query(body, account, region)
        state = self._advance(q)
        if state == "FAILED":
            raise RequestError(q["reason"], code=q["error"].code)
        if state != "SUCCEEDED":
            raise RequestError("Query has not yet finished. Current state: %s" % state)
        mx = body.get("MaxResults", 1000)
        if not isinstance(mx, int) or isinstance(mx, bool) or not 1 <= mx <= 1000:
            raise RequestError("1 validation error detected: Value '%s' at 'maxResults' failed to satisfy "
                               "constraint: Member must have value less than or equal to 1000" % (mx,))
        off = 0
        tok = body.get("NextToken")
        if tok is not None:
            try:
                d = json.loads(base64.urlsafe_b64decode(tok.encode()).decode())
                assert d["q"] == q["id"] and isinstance(d["o"], int) and d["o"] >= 0
                off = d["o"]
            except Exception:
                raise RequestError("NextToken is invalid or expired")
        # row 0 is the header (DML with columns only)
        allrows = []
        if q["kind"] == "DML" and q["columns"]:
            allrows = [[c["Name"] for c in q["columns"]]] + q["rows"]
        page = allrows[off:off + mx]
        reply = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in r]} for r in page],
                "ResultSetMetadata": {"ColumnInfo": q["columns"]},
            },
        }
        if off + mx < len(allrows):
            reply["NextToken"] = base64.urlsafe_b64encode(
                json.dumps({"q": q["id"], "o": off + mx}).encode()).decode()
        return reply

    def _stop(self, body, account, region):
        q = self._query(body, account, region)
        if self._advance(q) in ("QUEUED", "RUNNING"):
            q["state"] = "CANCELLED"
            q["completed"] = self.clock()
        return {}

    def _batch_get(self, body, account, region):
        found, missing = [], []
        for qid in body.get("QueryExecutionIds") or []:
            try:
                found.append(self._get_execution({"QueryExecutionId": qid}, account, region)["QueryExecution"])
            except RequestError as e:
                missing.append({"QueryExecutionId": qid, "ErrorCode": "INVALID_INPUT", "ErrorMessage": e.message})
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}

    def _list_executions(self, body, account, region):
        ids = [q["id"] for q in sorted(self.queries.values(), key=lambda q: -q["submitted"])
               if (q["account"], q["region"]) == (account, region)
               and q["wg"] == (body.get("WorkGroup") or "primary")]
        return {"QueryExecutionIds": ids[:50]}

    def _get_workgroup(self, body, account, region):
        name = body.get("WorkGroup")
        if name != "primary":
            raise RequestError("WorkGroup %s is not found." % name)
        return {"WorkGroup": {"Name": "primary", "State": "ENABLED", "Description": "",
                              "Configuration": {"EnforceWorkGroupConfiguration": False,
                                                "PublishCloudWatchMetricsEnabled": False,
                                                "RequesterPaysEnabled": False,
                                                "EngineVersion": {"SelectedEngineVersion": "AUTO",
                                                                  "EffectiveEngineVersion": "Athena engine version 3"}},
                              "CreationTime": 0}}

    def _list_workgroups(self, body, account, region):
        return {"WorkGroups": [{"Name": "primary", "State": "ENABLED", "Description": "", "CreationTime": 0}]}

    def _catalog_name(self, body):
        name = body.get("CatalogName") or ""
        if name.lower() != "awsdatacatalog":
            raise RequestError("Catalog %s was not found" % name, code="INVALID_INPUT")

    def _list_databases(self, body, account, region):
        self._catalog_name(body)
        return {"DatabaseList": [{"Name": d} for d in sorted(self._catalog(account, region)["dbs"])]}

    def _get_database(self, body, account, region):
        self._catalog_name(body)
        db = (body.get("DatabaseName") or "").lower()
        if db not in self._catalog(account, region)["dbs"]:
            raise RequestError("Database %s was not found" % db, etype="MetadataException")
        return {"Database": {"Name": db}}

    def _table_meta(self, t):
        # Athena names the SerDe in Parameters "serde.serialization.lib".
        return {"Name": t.name, "TableType": "EXTERNAL_TABLE",
                "Columns": [{"Name": c, "Type": ty} for c, ty in t.columns],
                "PartitionKeys": [{"Name": c, "Type": ty} for c, ty in t.partitions],
                "Parameters": dict(t.props, location=t.location, serde=t.serde,
                                   EXTERNAL="TRUE", **{"serde.serialization.lib": t.serde})}

    def _get_table(self, body, account, region):
        self._get_database(body, account, region)
        db = body["DatabaseName"].lower()
        t = self._catalog(account, region)["dbs"][db].get((body.get("TableName") or "").lower())
        if t is None:
            raise RequestError("Table %s was not found" % body.get("TableName"), etype="MetadataException")
        return {"TableMetadata": self._table_meta(t)}

    def _list_tables(self, body, account, region):
        self._get_database(body, account, region)
        tabs = self._catalog(account, region)["dbs"][body["DatabaseName"].lower()]
        return {"TableMetadataList": [self._table_meta(tabs[n]) for n in sorted(tabs)]}

    # -- execution ------------------------------------------------------------------
    def _execute(self, q):
        toks = significant(tokenize(q["sql"]))
        while toks and toks[-1] == ("op", ";"):
            toks.pop()
        if any(t == ("op", ";") for t in toks):
            raise QueryError("INVALID_INPUT", "Only one sql statement is allowed.")
        if not toks:
            raise QueryError("SYNTAX_ERROR", "line 1:1: empty statement")
        if q["params"]:
            toks = self._bind(toks, q["params"])
        cat = self._catalog(q["account"], q["region"])
        first = toks[0][1].lower() if toks[0][0] == "word" else ""
        if first in ("select", "with") or toks[0] == ("op", "("):
            q["kind"] = "DML"
            return self._select(q, toks, cat)
        q["kind"] = "DDL"
        words = [t[1].lower() for t in toks[:4] if t[0] == "word"]
        if words[:2] in (["create", "database"], ["create", "schema"]):
            return self._create_db(toks, cat)
        if words[:2] == ["create", "external"]:
            return self._create_table(q, toks, cat)
        if words[:2] == ["create", "table"]:
            raise QueryError("INVALID_INPUT", "Only external table creation is supported. (Service: "
                             "AmazonAthena; Status Code: 400; Error Code: InvalidRequestException)")
        if words[:2] == ["drop", "table"]:
            return self._drop_table(q, toks, cat)
        if words[:2] == ["msck", "repair"]:
            return self._msck(q, toks, cat)
        if words[:2] == ["alter", "table"]:
            return self._alter_add_partition(q, toks, cat)
        if words[:2] == ["show", "tables"]:
            q["kind"] = "UTILITY"
            db = q["db"]
            if len(toks) > 3 and is_word(toks[2], "in", "from"):
                db = unquote_ident(toks[3]).lower()
            if db not in cat["dbs"]:
                raise QueryError("SCHEMA_NOT_FOUND", "Schema '%s' does not exist" % db)
            q["kind"] = "DML"
            q["columns"] = [self._colinfo("tab_name", "varchar")]
            q["rows"] = [[n] for n in sorted(cat["dbs"][db])]
            return
        if first in ("insert", "update", "delete", "merge", "describe", "show", "explain", "unload",
                     "alter", "drop", "create", "vacuum", "optimize", "prepare", "execute"):
            raise QueryError("NOT_SUPPORTED", "line 1:1: statement %r is not supported by the simulator"
                             % " ".join(words[:2]))
        raise QueryError("SYNTAX_ERROR", "line 1:1: mismatched input '%s'. Expecting: 'ALTER', 'ANALYZE', "
                         "'CREATE', 'DEALLOCATE', 'DELETE', 'DESCRIBE', 'DROP', 'EXECUTE', 'EXPLAIN', "
                         "'GRANT', 'INSERT', 'PREPARE', 'SELECT', 'SHOW', 'WITH', <query>" % toks[0][1])

    @staticmethod
    def _bind(toks, params):
        out, n = [], 0
        for t in toks:
            if t == ("op", "?"):
                if n >= len(params):
                    raise QueryError("INVALID_INPUT", "Incorrect number of parameters")
                out.extend(significant(tokenize(str(params[n]))))
                n += 1
            else:
                out.append(t)
        if n != len(params):
            raise QueryError("INVALID_INPUT", "Incorrect number of parameters")
        return out

    def _resolve(self, q, parts, cat, must=True):
        parts = [p.lower() for p in parts]
        if len(parts) == 3:
            if parts[0] != "awsdatacatalog":
                raise QueryError("CATALOG_NOT_FOUND", "Catalog '%s' does not exist" % parts[0])
            parts = parts[1:]
        db, name = (parts if len(parts) == 2 else [q["db"], parts[0]])
        if db not in cat["dbs"]:
            raise QueryError("SCHEMA_NOT_FOUND", "Schema '%s' does not exist" % db)
        t = cat["dbs"][db].get(name)
        if t is None and must:
            raise QueryError("TABLE_NOT_FOUND", "Table 'awsdatacatalog.%s.%s' does not exist" % (db, name))
        return db, name, t

    def _create_db(self, toks, cat):
        i = 2
        ine = False
        if is_word(toks[i] if i < len(toks) else None, "if"):
            ine, i = True, i + 3
        parts, i = take_name(toks, i)
        db = parts[-1].lower()
        if db in cat["dbs"]:
            if not ine:
                raise QueryError("ALREADY_EXISTS", "FAILED: AlreadyExistsException: Database %s already exists" % db)
            return
        cat["dbs"][db] = {}

    def _create_table(self, q, toks, cat):
        i = 3  # CREATE EXTERNAL TABLE
        if not is_word(toks[2], "table"):
            raise QueryError("SYNTAX_ERROR", "expected TABLE after CREATE EXTERNAL")
        ine = False
        if i < len(toks) and is_word(toks[i], "if"):
            if not (is_word(toks[i + 1], "not") and is_word(toks[i + 2], "exists")):
                raise QueryError("SYNTAX_ERROR", "expected IF NOT EXISTS")
            ine, i = True, i + 3
        parts, i = take_name(toks, i)
        if len(parts) > 2:
            parts = parts[-2:]
        db = parts[0].lower() if len(parts) == 2 else q["db"]
        name = parts[-1].lower()
        if db not in cat["dbs"]:
            raise QueryError("HIVE_METASTORE_ERROR",
                             "FAILED: SemanticException [Error 10072]: Database does not exist: %s" % db)
        if name in cat["dbs"][db]:
            if ine:
                return
            raise QueryError("ALREADY_EXISTS", "FAILED: AlreadyExistsException: Table %s already exists" % name)
        t = Table(db, name)
        inner, i = take_parens(toks, i)
        t.columns = parse_columns(inner)
        while i < len(toks):
            w = toks[i][1].lower() if toks[i][0] == "word" else toks[i][1]
            if w == "partitioned" and is_word(toks[i + 1], "by"):
                inner, i = take_parens(toks, i + 2)
                t.partitions = parse_columns(inner)
            elif w == "row" and is_word(toks[i + 1], "format"):
                i += 2
                if is_word(toks[i], "serde"):
                    t.serde = unquote_str(toks[i + 1][1])
                    i += 2
                else:  # ROW FORMAT DELIMITED ...: not JSON, kept for completeness
                    t.serde = "delimited"
                    i += 1
            elif w == "with" and is_word(toks[i + 1], "serdeproperties"):
                inner, i = take_parens(toks, i + 2)
                t.serde_props = parse_props(inner)
            elif w == "location":
                t.location = unquote_str(toks[i + 1][1])
                i += 2
            elif w == "tblproperties":
                inner, i = take_parens(toks, i + 1)
                t.props = parse_props(inner)
            elif w in ("stored", "comment"):
                i += 2 if w == "comment" else 3
            else:
                raise QueryError("SYNTAX_ERROR", "line 1:1: unexpected %r in CREATE EXTERNAL TABLE" % toks[i][1])
        if not t.location:
            raise QueryError("SYNTAX_ERROR", "CREATE EXTERNAL TABLE needs a LOCATION")
        parse_s3(t.location)
        names = [c for c, _ in t.columns + t.partitions]
        if len(names) != len(set(names)):
            raise QueryError("HIVE_METASTORE_ERROR", "FAILED: SemanticException [Error 10036]: Duplicate column name")
        cat["dbs"][db][name] = t

    def _drop_table(self, q, toks, cat):
        i = 2
        ie = False
        if i < len(toks) and is_word(toks[i], "if"):
            ie, i = True, i + 2
        parts, i = take_name(toks, i)
        db, name, t = self._resolve(q, parts, cat, must=False)
        if t is None:
            if ie:
                return
            raise QueryError("HIVE_METASTORE_ERROR", "FAILED: SemanticException [Error 10001]: Table not found %s" % name)
        del cat["dbs"][db][name]

    def _msck(self, q, toks, cat):
        parts, _ = take_name(toks, 3)  # MSCK REPAIR TABLE name
        _, _, t = self._resolve(q, parts, cat)
        bucket, prefix = parse_s3(t.location)
        prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        pnames = [p for p, _ in t.partitions]
        for key in self.s3_list(bucket, prefix):
            segs = key[len(prefix):].split("/")[:-1]
            vals = dict(s.split("=", 1) for s in segs if "=" in s)
            if pnames and all(p in vals for p in pnames):
                tup = tuple(vals[p] for p in pnames)
                t.registered.setdefault(tup, "s3://%s/%s%s/" % (
                    bucket, prefix, "/".join("%s=%s" % (p, vals[p]) for p in pnames)))

    def _alter_add_partition(self, q, toks, cat):
        parts, i = take_name(toks, 2)
        _, _, t = self._resolve(q, parts, cat)
        if not is_word(toks[i] if i < len(toks) else None, "add"):
            raise QueryError("NOT_SUPPORTED", "only ALTER TABLE ... ADD PARTITION is simulated")
        i += 1
        if is_word(toks[i], "if"):
            i += 3
        pnames = [p for p, _ in t.partitions]
        while i < len(toks) and is_word(toks[i], "partition"):
            inner, i = take_parens(toks, i + 1)
            vals = {}
            for part in split_top(inner):
                vals[unquote_ident(part[0]).lower()] = unquote_str(part[2][1]) if part[2][0] == "str" else part[2][1]
            if set(vals) != set(pnames):
                raise QueryError("HIVE_METASTORE_ERROR", "partition spec does not match the partition columns")
            loc = None
            if i < len(toks) and is_word(toks[i], "location"):
                loc = unquote_str(toks[i + 1][1])
                i += 2
            if loc is None:
                loc = t.location.rstrip("/") + "/" + "/".join("%s=%s" % (p, vals[p]) for p in pnames) + "/"
            t.registered[tuple(vals[p] for p in pnames)] = loc

    # -- SELECT -----------------------------------------------------------------------
    def _partition_sources(self, t, bounds=None):
        """[(bucket, key, {partition col: value})] of the visible objects of t.
        bounds: {col: (lo, hi)} from the WHERE clause (see dt_bounds): partitions
        outside cannot match, so their objects are not read."""
        out = []
        bounds = bounds or {}

        def keep(col, value):
            lo, hi = bounds.get(col, (None, None))
            return (lo is None or value >= lo) and (hi is None or value <= hi)

        pnames = [p for p, _ in t.partitions]
        now = datetime.datetime.fromtimestamp(self.clock(), datetime.timezone.utc).replace(tzinfo=None)

        def visible(key):
            base = key.rsplit("/", 1)[-1]
            return key and not key.endswith("/") and not base.startswith(("_", "."))

        if not pnames:
            bucket, prefix = parse_s3(t.location)
            prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
            return [(bucket, k, {}) for k in self.s3_list(bucket, prefix) if visible(k)]
        if t.projected:
            tmpl = t.props.get("storage.location.template") or (
                t.location.rstrip("/") + "/" + "/".join("%s=${%s}" % (p, p) for p in pnames) + "/")
            bucket, tkey = parse_s3(tmpl)
            fixed = tkey.split("${", 1)[0]
            rx = re.escape(tkey)
            for p in pnames:
                rx = rx.replace(re.escape("${%s}" % p), "(?P<%s>[^/]+)" % p, 1)
            rx = re.compile(rx + (".*" if tkey.endswith("/") else "/.*"))
            seen = {}
            for k in self.s3_list(bucket, fixed):
                m = rx.fullmatch(k)
                if not m or not visible(k):
                    continue
                vals = m.groupdict()
                for p in pnames:
                    if (p, vals[p]) not in seen:
                        seen[(p, vals[p])] = projected_ok(t, p, vals[p], now) and keep(p, vals[p])
                if all(seen[(p, vals[p])] for p in pnames):
                    out.append((bucket, k, vals))
            return out
        for tup, loc in t.registered.items():
            bucket, prefix = parse_s3(loc)
            prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
            vals = dict(zip(pnames, tup))
            if not all(keep(p, vals[p]) for p in pnames):
                continue
            out.extend((bucket, k, vals) for k in self.s3_list(bucket, prefix) if visible(k))
        return out

    def _load(self, q, conn, t, sqlname, bounds=None):
        cols = t.columns + t.partitions
        def affinity(ty):
            t = TYPE_NAMES.get(base_type(ty), "varchar")
            if t in ("integer", "bigint", "smallint", "tinyint", "boolean"):
                return "INTEGER"
            return "REAL" if t in ("double", "float", "decimal") else "TEXT"
        conn.execute("CREATE TABLE %s (%s)" % (sq(sqlname), ", ".join(
            "%s %s" % (sq(c), affinity(ty)) for c, ty in cols)))
        # The Hive JSON SerDe reads one object per line, nothing else, and
        # has no ignore.malformed.json (an OpenX property; Athena's page on
        # the OpenX SerDe says the Hive one lacks it).
        hive = t.serde == HIVE_JSON_SERDE
        ignore = not hive and t.serde_props.get("ignore.malformed.json", "").lower() == "true"
        rows = []
        for bucket, key, pvals in self._partition_sources(t, bounds):
            data = self.s3_get(bucket, key)
            q["scanned"] += len(data)
            for obj in parse_objects(data, whole=not hive):
                if obj is None:
                    q["malformed"] += 1
                    self.malformed += 1
                    if not ignore:
                        raise QueryError("HIVE_CURSOR_ERROR", "Row is not a valid JSON Object - "
                                         "JSONException: malformed JSON in s3://%s/%s" % (bucket, key), 2)
                    obj = {}
                low = {}
                for k, v in obj.items():
                    low[str(k).lower()] = v
                row = [coerce(low.get(c), ty) for c, ty in t.columns]
                row += [pvals.get(p) for p, _ in t.partitions]
                rows.append(row)
        conn.executemany("INSERT INTO %s VALUES (%s)" % (sq(sqlname), ", ".join("?" * len(cols))), rows)

    def _select(self, q, toks, cat):
        for t in toks:
            if t[0] == "bq":
                raise QueryError("SYNTAX_ERROR", "line 1:1: backquoted identifiers are not supported; "
                                 "use double quotes to quote identifiers")
        ctes = set()
        for i in range(len(toks) - 2):
            if toks[i][0] in ("word", "qid") and is_word(toks[i + 1], "as") and toks[i + 2] == ("op", "("):
                ctes.add(unquote_ident(toks[i]).lower())
        conn = sqlite3.connect(":memory:")
        try:
            conn.execute("PRAGMA case_sensitive_like = ON")
            conn.create_function("strpos", 2, _strpos, deterministic=True)
            conn.create_function("regexp_like", 2, _regexp_like, deterministic=True)
            conn.create_function("json_extract_scalar", 2, _json_extract_scalar, deterministic=True)
            out, loaded, types = [], {}, {}
            i = 0
            while i < len(toks):
                t = toks[i]
                if is_word(t, "from", "join") and i + 1 < len(toks) and toks[i + 1][0] in ("word", "qid"):
                    out.append(t)
                    parts, j = take_name(toks, i + 1)
                    if len(parts) == 1 and parts[0].lower() in ctes:
                        out.extend(toks[i + 1:j])
                        i = j
                        continue
                    db, name, tab = self._resolve(q, parts, cat)
                    if (db, name) not in loaded:
                        sqlname = "t%d_%s" % (len(loaded), name)
                        self._load(q, conn, tab, sqlname, partition_bounds(toks, [p for p, _ in tab.partitions]))
                        loaded[(db, name)] = sqlname
                        for c, ty in tab.columns + tab.partitions:
                            types.setdefault(c, TYPE_NAMES.get(base_type(ty), "varchar"))
                    out.append(("qid", sq(loaded[(db, name)])))
                    nxt = toks[j] if j < len(toks) else None
                    if nxt is None or (nxt[0] == "op" and nxt[1] in (",", ")")) or is_word(nxt, *KEYWORDS_AFTER_TABLE):
                        out.extend([("word", "AS"), ("qid", sq(name))])
                    i = j
                    continue
                # date '2026-01-01' / timestamp '...' literals -> plain strings
                if is_word(t, "date", "timestamp") and i + 1 < len(toks) and toks[i + 1][0] == "str":
                    i += 1
                    continue
                out.append(t)
                i += 1
            out = rewrite_aggregates(out)
            sql = " ".join(x[1] for x in out)
            try:
                cur = conn.execute(sql)
                rows = cur.fetchall()
            except sqlite3.Error as e:
                msg = str(e)
                code = "SYNTAX_ERROR"
                if "no such column" in msg:
                    code, msg = "COLUMN_NOT_FOUND", "line 1:1: Column '%s' cannot be resolved" % msg.split(":", 1)[-1].strip()
                elif "no such function" in msg:
                    code, msg = "FUNCTION_NOT_FOUND", "line 1:1: Function '%s' not registered" % msg.split(":", 1)[-1].strip()
                elif "no such table" in msg:
                    code = "TABLE_NOT_FOUND"
                else:
                    msg = "line 1:1: " + msg
                raise QueryError(code, msg)
            names = [d[0] for d in cur.description or []]
        finally:
            conn.close()
        coltypes = []
        for k, n in enumerate(names):
            vals = [r[k] for r in rows if r[k] is not None]
            declared = types.get(n.lower())
            if declared == "boolean" and all(v in (0, 1) for v in vals):
                coltypes.append("boolean")
            elif declared and (declared == "varchar") == all(isinstance(v, str) for v in vals):
                coltypes.append(declared)
            elif vals and all(isinstance(v, int) for v in vals):
                coltypes.append("bigint")
            elif vals and all(isinstance(v, (int, float)) for v in vals):
                coltypes.append("double")
            else:
                coltypes.append("varchar")
        q["columns"] = [self._colinfo(n, ty) for n, ty in zip(names, coltypes)]
        q["rows"] = [[self._render(v, ty) for v, ty in zip(r, coltypes)] for r in rows]

    @staticmethod
    def _colinfo(name, typ):
        return {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name,
                "Type": typ, "Precision": {"varchar": 2147483647, "bigint": 19, "integer": 10,
                                           "double": 17, "boolean": 0}.get(typ, 0),
                "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": typ == "varchar"}

    @staticmethod
    def _render(v, typ):
        if v is None:
            return None
        if typ == "boolean":
            return "true" if v else "false"
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(v)]
            r = repr(v)
            if "e" in r:  # Java renders 1.0E16
                m, e = r.split("e")
                r = ("%s.0" % m if "." not in m else m) + "E" + str(int(e))
            return r
        if isinstance(v, bytes):
            return v.decode("utf-8", "replace")
        return str(v)

    def _write_output(self, q):
        if not self.s3_put or not q["out"]:
            return
        bucket, prefix = parse_s3(q["out"])
        if q["kind"] != "DML":
            self.s3_put(bucket, prefix + q["id"] + ".txt", b"")
            return
        # every field quoted, quotes doubled, NULL left empty and unquoted (as Athena writes)
        def field(v):
            return "" if v is None else '"' + v.replace('"', '""') + '"'
        lines = []
        if q["columns"]:
            lines.append(",".join(field(c["Name"]) for c in q["columns"]))
        lines += [",".join(field(v) for v in r) for r in q["rows"]]
        text = "".join(line + "\n" for line in lines)
        self.s3_put(bucket, prefix + q["id"] + ".csv", text.encode("utf-8"))
