// name: list_job_locks
// returns: rows
// Every job lock: who holds it (null when free), since when, until when, and for which run.
MATCH (l:JobLock)
RETURN l.name AS name, l.holder AS holder, toString(l.acquired_at) AS acquired_at,
       toString(l.expires_at) AS expires_at, l.run_id AS run_id, l.last_holder AS last_holder,
       l.last_run_id AS last_run_id, toString(l.released_at) AS released_at,
       (l.holder IS NOT NULL AND l.expires_at < datetime()) AS expired
ORDER BY name
