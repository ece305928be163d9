// name: create_run_request
// returns: one
// A pending "Run now" request from the web app or API: the scheduler (which polls for them)
// runs detection for it, so the web process never runs detection itself.
CREATE (r:RunRequest {request_id: $request_id, requested_by: $requested_by,
                      requested_at: datetime(), full: $full, reason: $reason, status: 'pending'})
RETURN r.request_id AS request_id, toString(r.requested_at) AS requested_at
