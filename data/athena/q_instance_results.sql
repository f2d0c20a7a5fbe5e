-- patchdeck: every result row of one run, one per instance, for the cache and
-- the per-server drill-down.  Column order is fixed; the cache maps by name.
--
-- Placeholders: ${table} (results table), ${run_id}, ${dt_from}, ${dt_to}
-- (YYYY-MM-DD, inclusive).  Values substituted inside '...' must have any
-- single quote doubled.
SELECT
  run_id, "window", account, region, instance_id, name, platform, status,
  started_at, ended_at, os, kernel_before, kernel_after,
  pkgs_before, pkgs_updated, pkgs_available_after, reboot, error, dt
FROM ${table}
WHERE dt BETWEEN '${dt_from}' AND '${dt_to}'
  AND run_id = '${run_id}'
  AND instance_id IS NOT NULL
ORDER BY account, region, instance_id
