-- patchdeck: instances that did not patch cleanly in a date range, newest first:
-- status other than ok (failed, timed_out, cancelled, parse_error, ...).
--
-- Placeholders: ${table} (results table), ${dt_from}, ${dt_to} (YYYY-MM-DD,
-- inclusive), ${run_id} (one run, or empty for every run in the range).
-- Values substituted inside '...' must have any single quote doubled.
SELECT
  run_id, "window", account, region, instance_id, name, platform, status,
  error, os, kernel_before, kernel_after, reboot, started_at, ended_at, dt
FROM ${table}
WHERE dt BETWEEN '${dt_from}' AND '${dt_to}'
  AND ('${run_id}' = '' OR run_id = '${run_id}')
  AND instance_id IS NOT NULL
  AND (status IS NULL OR status <> 'ok')
ORDER BY ended_at DESC, run_id, instance_id
