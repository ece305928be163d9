// name: set_run_mode
// returns: none
// How a run was computed: mode (full / incremental), why, how many accounts ingest touched
// since the previous run and how many the recomputed region held, and the number of
// consecutive incremental runs (reset by a full run).
MATCH (r:DetectionRun {run_id: $run_id})
SET r.mode = $mode, r.mode_reason = $reason, r.touched_accounts = $touched,
    r.region_accounts = $region, r.incremental_streak = $streak
