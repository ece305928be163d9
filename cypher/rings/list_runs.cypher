// name: list_runs
// returns: rows
// Detection runs, newest first.
MATCH (r:DetectionRun)
RETURN r.run_id AS run_id, toString(r.started_at) AS started_at, toString(r.finished_at) AS finished_at,
       r.status AS status, r.params AS params, r.counts AS counts, r.stages AS stages, r.error AS error,
       r.rings AS rings, r.flagged AS flagged, r.accounts AS accounts
ORDER BY r.started_at DESC
LIMIT $limit
