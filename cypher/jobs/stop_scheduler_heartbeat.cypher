// name: stop_scheduler_heartbeat
// returns: none
// A scheduler process shutting down cleanly says so (the jobs page then shows "stopped").
MATCH (s:SchedulerHeartbeat {scheduler_id: $scheduler_id})
SET s.stopped_at = datetime()
