// name: list_job_runs
// returns: rows
// Detection runs for `ringscope jobs history`, newest first: status, trigger, worker, times,
// ring counts, change counts (JSON), error.
MATCH (r:DetectionRun)
RETURN r.run_id AS run_id, r.status AS status, r.trigger AS trigger, r.worker AS worker,
       toString(r.started_at) AS started_at, toString(r.finished_at) AS finished_at,
       r.finished_at.epochMillis - r.started_at.epochMillis AS duration_ms,
       r.rings AS rings, r.flagged AS flagged, r.changes AS changes, r.error AS error,
       r.previous_run AS previous_run
ORDER BY r.started_at DESC
LIMIT $limit
