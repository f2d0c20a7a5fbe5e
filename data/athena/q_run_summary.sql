-- patchdeck: one row per run in a date range: instances by status, reboots,
-- packages updated.  Ordered newest run first.
--
-- Placeholders: ${table} (results table), ${dt_from}, ${dt_to} (YYYY-MM-DD,
-- inclusive; they prune the projected dt partitions).  Values substituted
-- inside '...' must have any single quote doubled; patchdeck also checks dates
-- against YYYY-MM-DD before substituting.
--
-- status: ok and failed come from the result line; anything else (timed_out,
-- cancelled, undeliverable, parse_error, ...) is counted as other.
-- Written in the SQL subset that Athena (Trino) and tests/sim/athena.py agree on.
SELECT
  run_id,
  min("window") AS "window",
  min(dt) AS dt,
  count(*) AS instances,
  sum(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS ok,
  sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
  sum(CASE WHEN status IS NULL OR status NOT IN ('ok', 'failed') THEN 1 ELSE 0 END) AS other,
  sum(CASE WHEN reboot = 'done' THEN 1 ELSE 0 END) AS rebooted,
  sum(CASE WHEN reboot = 'required' THEN 1 ELSE 0 END) AS reboot_required,
  sum(CASE WHEN kernel_after IS NOT NULL AND kernel_before IS NOT NULL
           AND kernel_after <> kernel_before THEN 1 ELSE 0 END) AS kernel_changed,
  coalesce(sum(pkgs_updated), 0) AS pkgs_updated,
  min(started_at) AS started_at,
  max(ended_at) AS ended_at
FROM ${table}
WHERE dt BETWEEN '${dt_from}' AND '${dt_to}'
  AND run_id IS NOT NULL
  AND instance_id IS NOT NULL
GROUP BY run_id
ORDER BY min(started_at) DESC, run_id
