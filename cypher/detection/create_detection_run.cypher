// name: create_detection_run
// returns: none
// Record the start of a detection run (status running) with its parameters as JSON.
CREATE (:DetectionRun {run_id: $run_id, started_at: datetime($started_at), status: 'running',
                       params: $params_json})
