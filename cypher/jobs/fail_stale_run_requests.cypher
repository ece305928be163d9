// name: fail_stale_run_requests
// returns: one
// Mark as failed the requests whose scheduler stopped while running them: it stopped cleanly,
// or its heartbeat (written every poll, also during a run) is older than $stale_seconds.
MATCH (r:RunRequest {status: 'running'})
OPTIONAL MATCH (s:SchedulerHeartbeat {scheduler_id: r.picked_by})
WITH r, s
WHERE s IS NULL OR s.stopped_at IS NOT NULL
   OR s.seen_at < datetime() - duration({seconds: $stale_seconds})
SET r.status = 'failed', r.finished_at = datetime(),
    r.error = 'the scheduler ' + coalesce(r.picked_by, '?') + ' stopped while running it'
RETURN count(r) AS failed
