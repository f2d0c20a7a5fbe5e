-- patchdeck: Athena table over the per-instance patch results (DESIGN.md sections 6 and 7).
--
-- Objects: s3://BUCKET/PREFIX/results/dt=YYYY-MM-DD/run=RUN_ID/INSTANCE_ID.json,
-- one JSON object each (the PATCHDECK_RESULT fields plus the run fields).
--
-- Placeholders (patchdeck substitutes exactly these names, nothing else):
--   ${table}   table name, optionally database-qualified, e.g. patchdeck.results
--   ${bucket}  results bucket name
--   ${prefix}  key prefix without leading or trailing slash, e.g. patchdeck
-- ${dt} in storage.location.template is Athena's partition projection
-- placeholder and must reach Athena unchanged.
--
-- patchdeck sends the statement without these leading comment lines (a DDL
-- statement is safest sent bare).
--
-- dt is projected (no MSCK REPAIR, no ALTER TABLE ADD PARTITION needed); the
-- run=RUN_ID level below it is not a partition, run_id is a column.
-- SerDe: the Hive JSON SerDe (org.apache.hive.hcatalog.data.JsonSerDe), which AWS
-- recommends over the OpenX one (whose results can be non-deterministic).  It reads
-- one JSON object per line and has no ignore.malformed.json: patchdeck writes each
-- object on one line, and a malformed object under the location fails the query
-- (HIVE_CURSOR_ERROR) rather than being read as NULLs.  The queries still skip
-- rows without instance_id.
-- Times (started_at, ended_at) are ISO 8601 UTC strings, compared as strings.
CREATE EXTERNAL TABLE IF NOT EXISTS ${table} (
  `run_id` string,
  `window` string,
  `account` string,
  `region` string,
  `instance_id` string,
  `name` string,
  `platform` string,
  `status` string,
  `started_at` string,
  `ended_at` string,
  `os` string,
  `kernel_before` string,
  `kernel_after` string,
  `pkgs_before` int,
  `pkgs_updated` int,
  `pkgs_available_after` int,
  `reboot` string,
  `error` string
)
PARTITIONED BY (`dt` string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
LOCATION 's3://${bucket}/${prefix}/results/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = 'NOW-3YEARS,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://${bucket}/${prefix}/results/dt=${dt}/'
)
