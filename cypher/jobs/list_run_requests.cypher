// name: list_run_requests
// returns: rows
// Run requests for the admin jobs page: pending and running first, then the newest.
MATCH (r:RunRequest)
RETURN r.request_id AS request_id, r.requested_by AS requested_by,
       toString(r.requested_at) AS requested_at, r.full AS full, r.reason AS reason,
       r.status AS status, r.picked_by AS picked_by, toString(r.picked_at) AS picked_at,
       toString(r.finished_at) AS finished_at, r.run_id AS run_id, r.error AS error,
       r.message AS message
ORDER BY CASE WHEN r.status IN ['pending', 'running'] THEN 0 ELSE 1 END, r.requested_at DESC
LIMIT $limit
