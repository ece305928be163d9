// name: get_latest_succeeded_run
// returns: one
// The newest run that finished successfully (a failed run never replaces it).
MATCH (r:DetectionRun {status: 'succeeded'})
RETURN r.run_id AS run_id
ORDER BY r.started_at DESC
LIMIT 1
