// name: delete_expired_sessions
// returns: one
// Housekeeping at each login: drop sessions past their expiry.
OPTIONAL MATCH (s:Session)
WHERE s.expires_at <= datetime()
WITH collect(s) AS expired
FOREACH (x IN expired | DELETE x)
RETURN size(expired) AS deleted
