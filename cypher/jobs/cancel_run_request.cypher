// name: cancel_run_request
// returns: one
// Cancel a run request that no scheduler has claimed yet (written before its status is read
// again, like a claim, so a request is either cancelled or claimed, never both).
MATCH (r:RunRequest {request_id: $request_id})
SET r.cancel_attempt = $cancelled_by
WITH r WHERE r.status = 'pending'
SET r.status = 'cancelled', r.finished_at = datetime(), r.error = 'cancelled by ' + $cancelled_by
RETURN r.request_id AS request_id
