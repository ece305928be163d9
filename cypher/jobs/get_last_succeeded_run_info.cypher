// name: get_last_succeeded_run_info
// returns: one
// The newest succeeded run's id, parameters (JSON) and the data fingerprint it saw.
MATCH (r:DetectionRun {status: 'succeeded'})
RETURN r.run_id AS run_id, r.params AS params, r.fingerprint AS fingerprint
ORDER BY r.started_at DESC
LIMIT 1
