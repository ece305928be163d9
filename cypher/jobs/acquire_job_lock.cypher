// name: acquire_job_lock
// returns: one
// Take the named lock for $holder unless another holder has it and it has not expired. The
// lock node is written first (exclusive lock) and only then read, so two concurrent callers are
// serialised and exactly one gets it. Returns acquired, the holder and when it expires.
MERGE (l:JobLock {name: $name})
SET l.touched_by = $holder
WITH l, (l.holder IS NULL OR l.holder = $holder OR l.expires_at < datetime()) AS free
SET l.holder = CASE WHEN free THEN $holder ELSE l.holder END,
    l.acquired_at = CASE WHEN free THEN datetime() ELSE l.acquired_at END,
    l.expires_at = CASE WHEN free THEN datetime() + duration({seconds: $ttl_seconds})
                        ELSE l.expires_at END,
    l.run_id = CASE WHEN free THEN null ELSE l.run_id END
RETURN free AS acquired, l.holder AS holder, toString(l.expires_at) AS expires_at
