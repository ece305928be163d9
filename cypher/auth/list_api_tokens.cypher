// name: list_api_tokens
// returns: rows
// API tokens (names, owners and times, never the token) of one user, or of everyone.
MATCH (t:ApiToken)
WHERE $username IS NULL OR t.username = $username
RETURN t.username AS username, t.name AS name, toString(t.created_at) AS created_at,
       toString(t.last_used) AS last_used
ORDER BY username, name
