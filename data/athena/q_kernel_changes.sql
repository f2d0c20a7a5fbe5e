-- patchdeck: kernel_before -> kernel_after pairs of one run, with counts.
-- Unchanged pairs (X -> X) are included: they show who kept the old kernel.
--
-- Placeholders: ${table} (results table), ${run_id}, ${dt_from}, ${dt_to}
-- (YYYY-MM-DD, inclusive; the dates the run's objects are under).  Values
-- substituted inside '...' must have any single quote doubled.
SELECT
  kernel_before,
  kernel_after,
  count(*) AS instances,
  sum(CASE WHEN reboot = 'done' THEN 1 ELSE 0 END) AS rebooted,
  sum(CASE WHEN reboot = 'required' THEN 1 ELSE 0 END) AS reboot_required,
  sum(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS ok
FROM ${table}
WHERE dt BETWEEN '${dt_from}' AND '${dt_to}'
  AND run_id = '${run_id}'
  AND instance_id IS NOT NULL
  AND kernel_before IS NOT NULL
GROUP BY kernel_before, kernel_after
ORDER BY count(*) DESC, kernel_before, kernel_after NULLS LAST
