// name: release_job_lock
// returns: none
// Release the named lock if $holder has it (a lock taken over after expiry is left alone).
MATCH (l:JobLock {name: $name})
WHERE l.holder = $holder
SET l.holder = null, l.expires_at = null, l.released_at = datetime(), l.last_holder = $holder,
    l.last_run_id = l.run_id, l.run_id = null
