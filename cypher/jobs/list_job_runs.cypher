// name: list_job_runs
// returns: rows
// Detection runs for `ringscope jobs history`, newest first: status, trigger, worker, times,
// ring counts, change counts (JSON), error, and how it was computed (mode: full / incremental,
// why, accounts in the recomputed region).
MATCH (r:DetectionRun)
RETURN r.run_id AS run_id, r.status AS status, r.trigger AS trigger, r.worker AS worker,
       toString(r.started_at) AS started_at, toString(r.finished_at) AS finished_at,
       r.finished_at.epochMillis - r.started_at.epochMillis AS duration_ms,
       r.rings AS rings, r.flagged AS flagged, r.changes AS changes, r.error AS error,
       r.previous_run AS previous_run, r.mode AS mode, r.mode_reason AS mode_reason,
       r.region_accounts AS region_accounts
ORDER BY r.started_at DESC
LIMIT $limit
