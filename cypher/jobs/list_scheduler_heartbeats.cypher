// name: list_scheduler_heartbeats
// returns: rows
// Scheduler processes seen lately, newest first, with the seconds since each was last seen
// (database clock, so the web server's clock does not matter).
MATCH (s:SchedulerHeartbeat)
RETURN s.scheduler_id AS scheduler_id, s.host AS host, s.pid AS pid,
       toString(s.started_at) AS started_at, toString(s.seen_at) AS seen_at,
       toString(s.stopped_at) AS stopped_at, s.schedule AS schedule,
       s.next_run_at AS next_run_at, s.poll_seconds AS poll_seconds,
       duration.inSeconds(s.seen_at, datetime()).seconds AS age_seconds
ORDER BY s.seen_at DESC
LIMIT $limit
