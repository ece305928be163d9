// name: claim_run_requests
// returns: rows
// Claim every pending run request for $worker (one run answers them all, as coalesced fire
// times do). Each request is written before its status is read again, so of two schedulers
// claiming at once exactly one gets it (the other reads 'running' after waiting for the lock).
MATCH (r:RunRequest {status: 'pending'})
WITH r ORDER BY r.requested_at
SET r.claim_attempt = $worker
WITH r WHERE r.status = 'pending'
SET r.status = 'running', r.picked_by = $worker, r.picked_at = datetime()
RETURN r.request_id AS request_id, r.requested_by AS requested_by, r.full AS full,
       r.reason AS reason
