// name: renew_job_lock
// returns: one
// Extend the named lock held by $holder (heartbeat of a long run) and note the run it guards;
// no row when $holder no longer has it.
MATCH (l:JobLock {name: $name})
WHERE l.holder = $holder
SET l.expires_at = datetime() + duration({seconds: $ttl_seconds}),
    l.run_id = coalesce($run_id, l.run_id)
RETURN toString(l.expires_at) AS expires_at
