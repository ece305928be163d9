// name: delete_session
// returns: none
// Log out: forget the session.
MATCH (s:Session {token_hash: $token_hash})
DELETE s
