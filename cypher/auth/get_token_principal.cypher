// name: get_token_principal
// returns: one
// The user behind an API token (current role), and when the token was last used.
MATCH (t:ApiToken {token_hash: $token_hash})
MATCH (u:User {username: t.username})
RETURN u.username AS username, u.role AS role, t.name AS name,
       t.last_used.epochSeconds AS last_used
