// name: list_runs_overview
// returns: rows
// Detection runs for the web app, newest first: status, start and finish times (ISO strings),
// duration in milliseconds, counts / params / stages as stored (JSON strings), full or
// incremental mode (and why, and the region size), and the number of rings and flagged rings
// actually linked to the run.
MATCH (r:DetectionRun)
WITH r ORDER BY r.started_at DESC SKIP $skip LIMIT $limit
RETURN r.run_id AS run_id, r.status AS status,
       toString(r.started_at) AS started_at, toString(r.finished_at) AS finished_at,
       r.finished_at.epochMillis - r.started_at.epochMillis AS duration_ms,
       r.params AS params, r.counts AS counts, r.stages AS stages, r.error AS error,
       r.mode AS mode, r.mode_reason AS mode_reason, r.region_accounts AS region_accounts,
       COUNT { (:Ring)-[:FOUND_IN]->(r) } AS ring_count,
       COUNT { (:Ring)-[:FOUND_IN {flagged: true}]->(r) } AS flagged_count
ORDER BY r.started_at DESC
