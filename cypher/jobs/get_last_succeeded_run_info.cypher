// name: get_last_succeeded_run_info
// returns: one
// The newest succeeded run's id, parameters (JSON), the data fingerprint it saw, its watermark
// (database time before it read), counts (JSON) and its streak of incremental runs.
MATCH (r:DetectionRun {status: 'succeeded'})
RETURN r.run_id AS run_id, r.params AS params, r.fingerprint AS fingerprint,
       toString(r.watermark) AS watermark, r.counts AS counts,
       coalesce(r.incremental_streak, 0) AS incremental_streak
ORDER BY r.started_at DESC
LIMIT 1
