#!/usr/bin/env python3
"""Tests for tests/sim/athena.py with the DDL and queries of data/athena.

    python3 -m unittest tests/sim/test_athena.py -v

S3 is a dict; the clock is a number the tests move.  Every reply is also parsed
with botocore's own parser for the operation, and every request validated with
botocore's parameter validator, so the simulator and boto3 agree on shapes.
"""
import datetime
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import athena  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SQL = os.path.join(REPO, "data", "athena")
ACCOUNT, REGION = "123456789012", "eu-west-1"
BUCKET, PREFIX = "pd-results", "patchdeck"
OUT = "s3://pd-athena-out/q/"

try:
    import botocore.session
    from botocore.parsers import create_parser
    from botocore.validate import ParamValidator
    MODEL = botocore.session.get_session().get_service_model("athena")
except Exception:  # botocore missing: skip the shape checks only
    MODEL = None
    print("skip: sim test_athena shape checks: botocore's Athena model does not load")

PLACEHOLDERS = {
    "results.sql": {"table", "bucket", "prefix"},
    "prechecks.sql": {"table", "bucket", "prefix"},
    "q_run_summary.sql": {"table", "dt_from", "dt_to"},
    "q_kernel_changes.sql": {"table", "run_id", "dt_from", "dt_to"},
    "q_instance_results.sql": {"table", "run_id", "dt_from", "dt_to"},
    "q_failures.sql": {"table", "run_id", "dt_from", "dt_to"},
}


def sql_file(name, **subs):
    """The statement as patchdeck sends it: leading comments dropped, the named
    placeholders substituted (string values with ' doubled), ${dt} left alone."""
    with open(os.path.join(SQL, name), encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    while lines and (lines[0].startswith("--") or not lines[0].strip()):
        lines.pop(0)
    text = "\n".join(lines).strip()

    def rep(m):
        k = m.group(1)
        if k == "dt":
            return m.group(0)
        return subs[k] if k == "table" else str(subs[k]).replace("'", "''")
    return re.sub(r"\$\{([a-z_]+)\}", rep, text)


def result(run, inst, dt, **kw):
    base = {
        "v": 1, "run_id": run, "window": "sun-0200", "account": ACCOUNT, "region": REGION,
        "instance_id": inst, "name": "web-" + inst, "platform": "Linux", "status": "ok",
        "started_at": dt + "T02:00:00Z", "ended_at": dt + "T02:10:00Z", "os": "Amazon Linux 2",
        "kernel_before": "5.10.1", "kernel_after": "5.10.1", "pkgs_before": 400,
        "pkgs_updated": 0, "pkgs_available_after": 0, "reboot": "none", "error": "",
    }
    base.update(kw)
    return base


HOSTILE_NAME = 'evil "name", with\nnewline \x1b[31m\u202e \\ back'
HOSTILE_ERROR = "E: it's \"quoted\", a,comma;\ttab\r\n--; DROP TABLE x"


class Sim(unittest.TestCase):
    def setUp(self):
        self.s3 = {}
        self.now = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=datetime.timezone.utc).timestamp()
        self.sim = athena.AthenaSim(self.get, self.list, clock=lambda: self.now, s3_put_object=self.put)

    # dict-backed S3
    def get(self, bucket, key):
        return self.s3[(bucket, key)]

    def list(self, bucket, prefix):
        return sorted(k for b, k in self.s3 if b == bucket and k.startswith(prefix))

    def put(self, bucket, key, data):
        self.s3[(bucket, key)] = data

    def put_result(self, dt, run, inst, obj, kind="results"):
        key = "%s/%s/dt=%s/run=%s/%s.json" % (PREFIX, kind, dt, run, inst)
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.s3[(BUCKET, key)] = data

    # API helpers
    def call(self, op, body, status=200):
        if MODEL is not None:
            shape = MODEL.operation_model(op).input_shape
            report = ParamValidator().validate(body, shape)
            if op != "GetQueryResults" or body.get("MaxResults", 1) <= 1000:
                self.assertFalse(report.has_errors(), report.generate_report())
        code, reply = self.sim.handle(op, body, ACCOUNT, REGION)
        self.assertEqual(code, status, reply)
        json.dumps(reply)  # serialisable
        if MODEL is not None:
            parser = create_parser("json")
            om = MODEL.operation_model(op)
            parsed = parser.parse({"body": json.dumps(reply).encode(), "headers": {}, "status_code": code},
                                  om.output_shape if code == 200 else None)
            if code != 200:
                self.assertIn(parsed["Error"]["Code"], ("InvalidRequestException", "UnknownOperationException"))
        return reply

    def start(self, sql, db="patchdeck", **extra):
        body = {"QueryString": sql, "QueryExecutionContext": {"Database": db},
                "ResultConfiguration": {"OutputLocation": OUT}}
        body.update(extra)
        return self.call("StartQueryExecution", body)["QueryExecutionId"]

    def wait(self, qid):
        for _ in range(10):
            st = self.call("GetQueryExecution", {"QueryExecutionId": qid})["QueryExecution"]["Status"]
            if st["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return st
            self.now += 0.1
        self.fail("query never finished")

    def run_ok(self, sql, db="patchdeck", page=1000):
        qid = self.start(sql, db)
        st = self.wait(qid)
        self.assertEqual(st["State"], "SUCCEEDED", st.get("StateChangeReason"))
        return self.fetch(qid, page)

    def fetch(self, qid, page=1000):
        rows, cols, tok, first = [], None, None, True
        while True:
            body = {"QueryExecutionId": qid, "MaxResults": page}
            if tok:
                body["NextToken"] = tok
            r = self.call("GetQueryResults", body)
            self.assertLessEqual(len(r["ResultSet"]["Rows"]), page)
            cols = [c["Name"] for c in r["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
            page_rows = [[d.get("VarCharValue") for d in row["Data"]] for row in r["ResultSet"]["Rows"]]
            for row in r["ResultSet"]["Rows"]:
                for d in row["Data"]:
                    self.assertTrue(d == {} or isinstance(d["VarCharValue"], str))
            if first and cols:
                self.assertEqual(page_rows[0], cols, "header row first")
                page_rows = page_rows[1:]
            first = False
            rows += page_rows
            tok = r.get("NextToken")
            if not tok:
                break
        return [dict(zip(cols, r)) for r in rows]

    def create_tables(self):
        self.run_ok("CREATE DATABASE IF NOT EXISTS patchdeck", db="default")
        self.run_ok(sql_file("results.sql", table="patchdeck.results", bucket=BUCKET, prefix=PREFIX))
        self.run_ok(sql_file("prechecks.sql", table="patchdeck.prechecks", bucket=BUCKET, prefix=PREFIX))

    def seed(self):
        r1, r2 = "sun-0200-2026-03-01", "sun-0200-2026-03-08"
        self.put_result("2026-03-01", r1, "i-1", result(r1, "i-1", "2026-03-01", kernel_after="5.10.2",
                                                         pkgs_updated=12, reboot="done"))
        self.put_result("2026-03-01", r1, "i-2", result(r1, "i-2", "2026-03-01", status="failed",
                                                         error="repository unreachable: Could not resolve host",
                                                         ended_at="2026-03-01T02:03:00Z"))
        self.put_result("2026-03-01", r1, "i-3", result(r1, "i-3", "2026-03-01", kernel_after="5.10.2",
                                                         pkgs_updated=3, reboot="required"))
        h = result(r1, "i-4", "2026-03-01", name=HOSTILE_NAME, status="timed_out", error=HOSTILE_ERROR,
                   ended_at="2026-03-01T03:00:00Z")
        del h["kernel_after"]
        self.put_result("2026-03-01", r1, "i-4", h)
        # run 2: numbers as strings, upper-case keys, two objects in one file,
        # hidden and stray files (a malformed or pretty-printed object fails
        # a query over the Hive JSON SerDe: put_malformed)
        self.put_result("2026-03-08", r2, "i-1", json.dumps(
            result(r2, "i-1", "2026-03-08", pkgs_updated="7", PLATFORM="Linux")).encode())
        lines = (json.dumps(result(r2, "i-6", "2026-03-08")) + "\n"
                 + json.dumps(result(r2, "i-7", "2026-03-08", status="failed",
                                     error="package lock held: E: Could not get lock")) + "\n")
        self.put_result("2026-03-08", r2, "batch", lines.encode())
        self.s3[(BUCKET, PREFIX + "/results/dt=2026-03-08/run=%s/_SUCCESS" % r2)] = b"garbage"
        self.s3[(BUCKET, PREFIX + "/results/stray.json")] = json.dumps(result(r2, "i-x", "2026-03-08")).encode()
        # a future date is outside the projection range NOW-3YEARS,NOW
        self.put_result("2031-01-01", "future", "i-1", result("future", "i-1", "2031-01-01"))
        self.put_result("2019-01-01", "ancient", "i-1", result("ancient", "i-1", "2019-01-01"))
        return r1, r2

    def put_malformed(self):
        self.put_result("2026-03-08", "sun-0200-2026-03-08", "i-9",
                        b'{"run_id": "sun-0200-2026-03-08", "instance_id": ')


class TestSqlFiles(unittest.TestCase):
    def test_placeholders_documented(self):
        for name, want in PLACEHOLDERS.items():
            with open(os.path.join(SQL, name), encoding="utf-8") as fh:
                text = fh.read()
            body = "\n".join(l for l in text.split("\n") if not l.startswith("--"))
            header = "\n".join(l for l in text.split("\n") if l.startswith("--"))
            used = set(re.findall(r"\$\{([a-z_]+)\}", body)) - {"dt"}
            self.assertEqual(used, want, name)
            for p in want:
                self.assertIn("${%s}" % p, header, "%s: ${%s} not documented" % (name, p))
            self.assertNotIn(";", body.strip()[-1:], name)

    def test_ddl_columns_cover_the_contract(self):
        text = sql_file("results.sql", table="t", bucket="b", prefix="p")
        cols = re.findall(r"`([a-z_0-9]+)`", text)
        for c in ["run_id", "window", "account", "region", "instance_id", "name", "platform", "status",
                  "started_at", "ended_at", "os", "kernel_before", "kernel_after", "pkgs_before",
                  "pkgs_updated", "pkgs_available_after", "reboot", "error", "dt"]:
            self.assertIn(c, cols)
        self.assertIn("'storage.location.template' = 's3://b/p/results/dt=${dt}/'", text)
        self.assertIn("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'", text)
        self.assertNotIn("openx", text.lower())

    def test_precheck_ddl_matches_the_line(self):
        # DESIGN.md section 6: the pre-check line, typed as it comes, and the
        # run fields and patchdeck's judgement (the layout pre-check rows use)
        text = sql_file("prechecks.sql", table="t", bucket="b", prefix="p")
        cols = dict(re.findall(r"^  `([a-z_0-9]+)` (\S+?),?$", text, re.M))
        want = {c: "string" for c in ["run_id", "window", "account", "region", "instance_id", "name",
                                      "platform", "status", "started_at", "ended_at", "repo", "result",
                                      "error"]}
        want.update({"disk": "array<struct<mount:string,free_mb:bigint,free_pct:int>>",
                     "repo_urls": "array<string>", "pkg_lock": "boolean", "uptime_s": "bigint",
                     "load1": "double", "reboot_pending": "boolean", "failures": "array<string>"})
        self.assertEqual(cols, want)
        self.assertIn("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'", text)


class TestAthena(Sim):
    def test_database_must_exist(self):
        qid = self.start(sql_file("results.sql", table="nodb.results", bucket=BUCKET, prefix=PREFIX), db="default")
        st = self.wait(qid)
        self.assertEqual(st["State"], "FAILED")
        self.assertIn("Database does not exist: nodb", st["StateChangeReason"])
        self.create_tables()
        self.create_tables()  # IF NOT EXISTS: again is fine
        rows = self.run_ok("SHOW TABLES IN patchdeck")
        self.assertEqual([r["tab_name"] for r in rows], ["prechecks", "results"])

    def test_states_and_output(self):
        self.create_tables()
        t0 = self.now
        qid = self.start("SELECT 1 AS one")
        self.assertEqual(self.call("GetQueryExecution", {"QueryExecutionId": qid})
                         ["QueryExecution"]["Status"]["State"], "QUEUED")
        r = self.call("GetQueryResults", {"QueryExecutionId": qid}, status=400)
        self.assertEqual(r["__type"], "InvalidRequestException")
        self.assertIn("not yet finished", r["Message"])
        self.now = t0 + 0.15
        self.assertEqual(self.call("GetQueryExecution", {"QueryExecutionId": qid})
                         ["QueryExecution"]["Status"]["State"], "RUNNING")
        self.now = t0 + 0.25
        qe = self.call("GetQueryExecution", {"QueryExecutionId": qid})["QueryExecution"]
        self.assertEqual(qe["Status"]["State"], "SUCCEEDED")
        self.assertEqual(qe["ResultConfiguration"]["OutputLocation"], OUT + qid + ".csv")
        self.assertEqual(self.s3[("pd-athena-out", "q/%s.csv" % qid)], b'"one"\n"1"\n')
        # stop before the end: CANCELLED
        qid2 = self.start("SELECT 2")
        self.call("StopQueryExecution", {"QueryExecutionId": qid2})
        self.now += 1
        self.assertEqual(self.wait(qid2)["State"], "CANCELLED")
        # unknown id, missing output location, idempotency token
        r = self.call("GetQueryExecution", {"QueryExecutionId": "nope"}, status=400)
        self.assertIn("was not found", r["Message"])
        r = self.call("StartQueryExecution", {"QueryString": "SELECT 1"}, status=400)
        self.assertIn("No output location", r["Message"])
        tok = "x" * 40
        a = self.start("SELECT 3", ClientRequestToken=tok)
        self.assertEqual(self.start("SELECT 3", ClientRequestToken=tok), a)

    def test_queries(self):
        self.create_tables()
        r1, r2 = self.seed()
        rng = {"dt_from": "2026-03-01", "dt_to": "2026-03-31"}
        t = {"table": "patchdeck.results"}

        summary = self.run_ok(sql_file("q_run_summary.sql", **t, **rng))
        self.assertEqual([r["run_id"] for r in summary], [r2, r1])  # newest first
        s1, s2 = summary[1], summary[0]
        self.assertEqual({k: s1[k] for k in ("instances", "ok", "failed", "other", "rebooted",
                                             "reboot_required", "kernel_changed", "pkgs_updated")},
                         {"instances": "4", "ok": "2", "failed": "1", "other": "1", "rebooted": "1",
                          "reboot_required": "1", "kernel_changed": "2", "pkgs_updated": "15"})
        self.assertEqual((s1["window"], s1["dt"], s1["started_at"], s1["ended_at"]),
                         ("sun-0200", "2026-03-01", "2026-03-01T02:00:00Z", "2026-03-01T03:00:00Z"))
        # run 2: i-1 ("7" as a string), i-6, i-7; the
        # object, _SUCCESS, the stray key and out-of-range dates are not counted
        self.assertEqual((s2["instances"], s2["ok"], s2["failed"], s2["pkgs_updated"]), ("3", "2", "1", "7"))
        everything = self.run_ok(sql_file("q_run_summary.sql", **t, dt_from="2000-01-01", dt_to="2099-12-31"))
        self.assertEqual(len(everything), 2)

        kc = self.run_ok(sql_file("q_kernel_changes.sql", **t, **rng, run_id=r1))
        self.assertEqual([(r["kernel_before"], r.get("kernel_after"), r["instances"], r["rebooted"]) for r in kc],
                         [("5.10.1", "5.10.2", "2", "1"), ("5.10.1", "5.10.1", "1", "0"), ("5.10.1", None, "1", "0")])

        rows = self.run_ok(sql_file("q_instance_results.sql", **t, **rng, run_id=r1))
        self.assertEqual([r["instance_id"] for r in rows], ["i-1", "i-2", "i-3", "i-4"])
        i4 = rows[3]
        self.assertEqual(i4["name"], HOSTILE_NAME)
        self.assertEqual(i4["error"], HOSTILE_ERROR)
        self.assertIsNone(i4["kernel_after"])  # null: the Datum is empty
        self.assertEqual(rows[0]["pkgs_updated"], "12")
        self.assertEqual(rows[0]["dt"], "2026-03-01")
        self.assertEqual(list(rows[0]), ["run_id", "window", "account", "region", "instance_id", "name",
                                         "platform", "status", "started_at", "ended_at", "os",
                                         "kernel_before", "kernel_after", "pkgs_before", "pkgs_updated",
                                         "pkgs_available_after", "reboot", "error", "dt"])
        # a run id that tries to break out of its quotes is just a value
        self.assertEqual(self.run_ok(sql_file("q_instance_results.sql", **t, **rng, run_id="x' OR '1'='1")), [])

        fails = self.run_ok(sql_file("q_failures.sql", **t, **rng, run_id=""))
        self.assertEqual([(r["run_id"], r["instance_id"], r["status"]) for r in fails],
                         [(r2, "i-7", "failed"), (r1, "i-4", "timed_out"), (r1, "i-2", "failed")])
        self.assertEqual(fails[1]["error"], HOSTILE_ERROR)
        fails1 = self.run_ok(sql_file("q_failures.sql", **t, **rng, run_id=r1))
        self.assertEqual([r["instance_id"] for r in fails1], ["i-4", "i-2"])

        # partition pruning: a dt condition reads only that partition, an OR reads all
        one = self.start("SELECT count(*) FROM results WHERE dt = '2026-03-01'")
        alls = self.start("SELECT count(*) FROM results WHERE dt = '2026-03-01' OR 1 = 0")
        self.wait(one)
        self.wait(alls)
        self.assertEqual(self.fetch(one), self.fetch(alls))
        self.assertLess(self.sim.queries[one]["scanned"], self.sim.queries[alls]["scanned"])

    def test_paging(self):
        self.create_tables()
        r1, _ = self.seed()
        sql = sql_file("q_instance_results.sql", table="patchdeck.results", run_id=r1,
                       dt_from="2026-03-01", dt_to="2026-03-01")
        qid = self.start(sql)
        self.wait(qid)
        p1 = self.call("GetQueryResults", {"QueryExecutionId": qid, "MaxResults": 2})
        rows = p1["ResultSet"]["Rows"]
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0]["Data"][0]["VarCharValue"], "run_id")   # header
        self.assertEqual(rows[1]["Data"][4]["VarCharValue"], "i-1")
        p2 = self.call("GetQueryResults", {"QueryExecutionId": qid, "MaxResults": 2, "NextToken": p1["NextToken"]})
        self.assertEqual([r["Data"][4]["VarCharValue"] for r in p2["ResultSet"]["Rows"]], ["i-2", "i-3"])
        p3 = self.call("GetQueryResults", {"QueryExecutionId": qid, "MaxResults": 2, "NextToken": p2["NextToken"]})
        self.assertEqual([r["Data"][4]["VarCharValue"] for r in p3["ResultSet"]["Rows"]], ["i-4"])
        self.assertNotIn("NextToken", p3)
        self.assertEqual(len(self.fetch(qid, page=2)), 4)
        self.assertEqual(len(self.fetch(qid, page=1)), 4)
        r = self.call("GetQueryResults", {"QueryExecutionId": qid, "MaxResults": 1001}, status=400)
        self.assertEqual(r["__type"], "InvalidRequestException")
        r = self.call("GetQueryResults", {"QueryExecutionId": qid, "NextToken": "garbage"}, status=400)
        self.assertIn("NextToken", r["Message"])
        cols = p1["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
        self.assertEqual({c["Name"]: c["Type"] for c in cols}["pkgs_updated"], "integer")
        self.assertEqual({c["Name"]: c["Type"] for c in cols}["name"], "varchar")
        # the CSV in the output location has the same rows, NULL unquoted and empty
        csv = self.s3[("pd-athena-out", "q/%s.csv" % qid)].decode()
        self.assertTrue(csv.startswith('"run_id","window",'))
        self.assertIn('"5.10.1",,"400"', csv)

    def test_bad_sql(self):
        self.create_tables()
        for sql, code in (("SELEKT * FROM results", "SYNTAX_ERROR"),
                          ("SELECT nosuch FROM results", "COLUMN_NOT_FOUND"),
                          ("SELECT * FROM nosuch", "TABLE_NOT_FOUND"),
                          ("SELECT `status` FROM results", "SYNTAX_ERROR"),
                          ("SELECT 'unterminated FROM results", "SYNTAX_ERROR"),
                          ("SELECT 1; SELECT 2", "INVALID_INPUT")):
            qid = self.start(sql)
            st = self.wait(qid)
            self.assertEqual(st["State"], "FAILED", sql)
            self.assertTrue(st["StateChangeReason"].startswith(code), (sql, st["StateChangeReason"]))
            self.assertEqual(st["AthenaError"]["ErrorCategory"], 2)
            r = self.call("GetQueryResults", {"QueryExecutionId": qid}, status=400)
            self.assertEqual(r["__type"], "InvalidRequestException")

    def test_precheck_rows(self):
        # a row in the layout of prechecks.sql, one line, as patchdeck writes it
        self.create_tables()
        row = {"run_id": "pre-1", "window": "sun-0200", "account": "111122223333",
               "region": "us-east-1", "instance_id": "i-1", "name": "web", "platform": "Linux",
               "status": "Success", "started_at": "2026-03-01T01:00:00Z",
               "ended_at": "2026-03-01T01:01:00Z",
               "disk": [{"mount": "/", "free_mb": 512, "free_pct": 4}], "repo": "ok",
               "repo_urls": ["https://mirror.example/"], "pkg_lock": False, "uptime_s": 86400,
               "load1": 0.5, "reboot_pending": True, "result": "fail",
               "failures": ["disk", "reboot_pending"], "error": ""}
        self.put_result("2026-03-01", "pre-1", "i-1", row, kind="prechecks")
        rows = self.run_ok("SELECT instance_id, result, pkg_lock, reboot_pending, uptime_s, load1, "
                           "failures FROM prechecks WHERE dt = '2026-03-01'")
        self.assertEqual(len(rows), 1)
        r = rows[0]
        self.assertEqual((r["instance_id"], r["result"], r["pkg_lock"], r["reboot_pending"],
                          r["uptime_s"], r["load1"]), ("i-1", "fail", "false", "true", "86400", "0.5"))
        self.assertEqual(json.loads(r["failures"]), ["disk", "reboot_pending"])

    def test_malformed_fails_under_the_hive_serde(self):
        self.create_tables()
        self.seed()
        self.put_malformed()
        st = self.wait(self.start("SELECT count(*) FROM results"))
        self.assertEqual(st["State"], "FAILED")
        self.assertIn("HIVE_CURSOR_ERROR", st["StateChangeReason"])
        # a pretty-printed object is malformed too (one object per line)
        self.s3.pop((BUCKET, PREFIX + "/results/dt=2026-03-08/run=sun-0200-2026-03-08/i-9.json"), None)
        self.put_result("2026-03-08", "x", "i-8", json.dumps(result("x", "i-8", "2026-03-08"),
                                                            indent=2).encode())
        st = self.wait(self.start("SELECT count(*) FROM results"))
        self.assertEqual(st["State"], "FAILED")

    def test_malformed_ignored_under_openx(self):
        # the OpenX SerDe with ignore.malformed.json: a row of NULLs, counted
        self.run_ok("CREATE DATABASE patchdeck", db="default")
        ddl = sql_file("results.sql", table="lenient", bucket=BUCKET, prefix=PREFIX).replace(
            "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n",
            "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
            "WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')\n")
        self.run_ok(ddl)
        self.seed()
        self.put_malformed()
        qid = self.start("SELECT count(*) AS n FROM lenient WHERE instance_id IS NULL AND dt = '2026-03-08'")
        self.wait(qid)
        self.assertEqual(self.sim.queries[qid]["malformed"], 1)
        self.assertEqual(self.fetch(qid), [{"n": "1"}])

    def test_presto_isms(self):
        self.create_tables()
        self.seed()
        rows = self.run_ok(
            "SELECT count_if(status = 'failed') AS f, approx_distinct(run_id) AS runs, "
            "CAST(sum(pkgs_updated) AS varchar) AS s FROM results "
            "WHERE dt >= date '2026-03-01' AND name LIKE 'WEB-%'")
        self.assertEqual(rows, [{"f": "0", "runs": "0", "s": None}])  # LIKE is case-sensitive, as in Trino
        rows = self.run_ok(
            "SELECT count_if(status = 'failed') AS f, approx_distinct(run_id) AS runs, "
            "CAST(sum(pkgs_updated) AS varchar) AS s FROM results WHERE dt >= date '2026-03-01'")
        self.assertEqual(rows, [{"f": "2", "runs": "2", "s": "22"}])
        qid = self.start("SELECT r.instance_id FROM patchdeck.results r WHERE r.run_id = ? ORDER BY 1",
                         db="default", ExecutionParameters=["'sun-0200-2026-03-08'"])
        self.assertEqual(self.wait(qid)["State"], "SUCCEEDED")
        self.assertEqual([r["instance_id"] for r in self.fetch(qid)], ["i-1", "i-6", "i-7"])

    def test_prechecks(self):
        self.create_tables()
        obj = {"run_id": "pre-1", "instance_id": "i-1", "status": "ok", "pkg_lock": False, "load1": 0.52,
               "uptime_s": 86461, "reboot_pending": True, "repo": "ok",
               "disk": [{"mount": "/", "free_mb": 4979, "free_pct": 60}], "repo_urls": ["http://a/"]}
        self.put_result("2026-03-14", "pre-1", "i-1", obj, kind="prechecks")
        rows = self.run_ok("SELECT instance_id, pkg_lock, reboot_pending, load1, uptime_s, disk, repo_urls, "
                           "json_extract_scalar(disk, '$[0].free_mb') AS root_free FROM prechecks")
        self.assertEqual(rows, [{"instance_id": "i-1", "pkg_lock": "false", "reboot_pending": "true",
                                 "load1": "0.52", "uptime_s": "86461",
                                 "disk": '[{"mount":"/","free_mb":4979,"free_pct":60}]',
                                 "repo_urls": '["http://a/"]', "root_free": "4979"}])

    def test_drop_and_projection_clock(self):
        self.create_tables()
        self.seed()
        # move the clock back: 2026-03-08 is then in the future and invisible
        self.now = datetime.datetime(2026, 3, 5, tzinfo=datetime.timezone.utc).timestamp()
        rows = self.run_ok("SELECT DISTINCT run_id FROM results WHERE instance_id IS NOT NULL")
        self.assertEqual([r["run_id"] for r in rows], ["sun-0200-2026-03-01"])
        self.run_ok("DROP TABLE patchdeck.results")
        st = self.wait(self.start("SELECT 1 FROM results"))
        self.assertEqual(st["State"], "FAILED")
        self.run_ok("DROP TABLE IF EXISTS patchdeck.results")


if __name__ == "__main__":
    unittest.main()
