-- patchdeck: Athena table over the per-instance pre-check results (DESIGN.md sections 6 and 7).
--
-- Objects: s3://BUCKET/PREFIX/prechecks/dt=YYYY-MM-DD/run=RUN_ID/INSTANCE_ID.json,
-- one JSON object on one line each: the PATCHDECK_PRECHECK fields (disk, repo,
-- repo_urls, pkg_lock, uptime_s, load1, reboot_pending), the run fields (run_id,
-- window, account, region, instance_id, name, platform, status, started_at,
-- ended_at) and patchdeck's judgement: result ("pass" or "fail"), failures (kinds
-- from disk, repo_unreachable, repo_url, pkg_lock, reboot_pending, agent_offline,
-- status_check, no_result) and error (why there is no result, or "").
--
-- Placeholders (patchdeck substitutes exactly these names, nothing else):
--   ${table}   table name, optionally database-qualified, e.g. patchdeck.prechecks
--   ${bucket}  results bucket name
--   ${prefix}  key prefix without leading or trailing slash, e.g. patchdeck
-- ${dt} in storage.location.template is Athena's own and must reach it unchanged.
-- patchdeck sends the statement without these leading comment lines.
--
-- SerDe: the Hive JSON SerDe (see results.sql): one object per line, no
-- ignore.malformed.json.  disk and repo_urls are typed as the line carries them
-- (an array of structs, an array of strings), so queries can UNNEST them.
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
  `disk` array<struct<mount:string,free_mb:bigint,free_pct:int>>,
  `repo` string,
  `repo_urls` array<string>,
  `pkg_lock` boolean,
  `uptime_s` bigint,
  `load1` double,
  `reboot_pending` boolean,
  `result` string,
  `failures` array<string>,
  `error` string
)
PARTITIONED BY (`dt` string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
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
