// name: finish_detection_run
// returns: none
// Close a run: status (succeeded / failed), finish time, counts and per-stage figures as JSON,
// and the error text of a failed run.
MATCH (r:DetectionRun {run_id: $run_id})
SET r.status = $status, r.finished_at = datetime($finished_at), r.error = $error,
    r.counts = $counts_json, r.stages = $stages_json,
    r.rings = $rings, r.flagged = $flagged, r.accounts = $accounts
