// name: record_scheduler_heartbeat
// returns: none
// A scheduler process says it is alive (each poll): host, pid, its schedule and when the
// schedule fires next, on the database clock. Heartbeats unseen for a week are removed.
MERGE (s:SchedulerHeartbeat {scheduler_id: $scheduler_id})
ON CREATE SET s.started_at = datetime()
SET s.host = $host, s.pid = $pid, s.seen_at = datetime(), s.schedule = $schedule,
    s.next_run_at = $next_run_at, s.poll_seconds = $poll_seconds, s.stopped_at = null
WITH count(*) AS written
OPTIONAL MATCH (old:SchedulerHeartbeat)
WHERE old.seen_at < datetime() - duration({days: 7})
DETACH DELETE old
