// name: get_run
// returns: one
// One detection run by id, with the same fields as list_runs_overview.
MATCH (r:DetectionRun {run_id: $run_id})
RETURN r.run_id AS run_id, r.status AS status,
       toString(r.started_at) AS started_at, toString(r.finished_at) AS finished_at,
       r.finished_at.epochMillis - r.started_at.epochMillis AS duration_ms,
       r.params AS params, r.counts AS counts, r.stages AS stages, r.error AS error,
       r.mode AS mode, r.mode_reason AS mode_reason, r.region_accounts AS region_accounts,
       COUNT { (:Ring)-[:FOUND_IN]->(r) } AS ring_count,
       COUNT { (:Ring)-[:FOUND_IN {flagged: true}]->(r) } AS flagged_count
