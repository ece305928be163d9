// name: set_run_changes
// returns: none
// Store a run's ring change counts by kind (JSON): new, stable, grown, shrunk, merged, split, vanished.
MATCH (r:DetectionRun {run_id: $run_id})
SET r.changes = $changes_json
