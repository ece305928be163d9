// name: get_session_principal
// returns: one
// The live session with this token hash and its user's current role (one index seek each).
MATCH (s:Session {token_hash: $token_hash})
WHERE s.expires_at > datetime()
MATCH (u:User {username: s.username})
RETURN u.username AS username, u.role AS role, s.csrf_token AS csrf_token
