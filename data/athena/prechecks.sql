-- patchdeck: Athena table over the per-instance pre-check results (DESIGN.md sections 6 and 7).
--
-- Objects: s3://BUCKET/PREFIX/prechecks/dt=YYYY-MM-DD/run=RUN_ID/INSTANCE_ID.json,
-- one JSON object each (the PATCHDECK_PRECHECK fields plus the run fields).
--
-- Placeholders (patchdeck substitutes exactly these names, nothing else):
--   ${table}   table name, optionally database-qualified, e.g. patchdeck.prechecks
--   ${bucket}  results bucket name
--   ${prefix}  key prefix without leading or trailing slash, e.g. patchdeck
-- ${dt} in storage.location.template is Athena's own and must reach it unchanged.
-- patchdeck sends the statement without these leading comment lines.
--
-- disk and repo_urls are declared string: the OpenX SerDe hands a nested JSON
-- value to a string column as its JSON text, which patchdeck parses with cJSON
-- (no struct/array rendering to undo).
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
  `disk` string,
  `repo` string,
  `repo_urls` string,
  `pkg_lock` boolean,
  `uptime_s` bigint,
  `load1` double,
  `reboot_pending` boolean,
  `error` string
)
PARTITIONED BY (`dt` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
LOCATION 's3://${bucket}/${prefix}/prechecks/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = 'NOW-3YEARS,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://${bucket}/${prefix}/prechecks/dt=${dt}/'
)
