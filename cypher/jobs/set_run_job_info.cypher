// name: set_run_job_info
// returns: none
// Note on a run what started it (schedule, run-now, cli), the worker that ran it, the data
// fingerprint it saw, and the previous succeeded run its rings were matched against.
MATCH (r:DetectionRun {run_id: $run_id})
SET r.trigger = $trigger, r.worker = $worker, r.fingerprint = $fingerprint,
    r.previous_run = $previous_run
