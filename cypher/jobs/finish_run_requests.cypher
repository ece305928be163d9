// name: finish_run_requests
// returns: none
// Record what became of claimed run requests: 'done' with the run id, 'failed' with the error,
// or back to 'pending' (the run lock was held elsewhere: the next poll tries again).
UNWIND $request_ids AS request_id
MATCH (r:RunRequest {request_id: request_id})
SET r.status = $status, r.run_id = $run_id, r.error = $error, r.message = $message,
    r.finished_at = CASE WHEN $status = 'pending' THEN null ELSE datetime() END,
    r.picked_by = CASE WHEN $status = 'pending' THEN null ELSE r.picked_by END
