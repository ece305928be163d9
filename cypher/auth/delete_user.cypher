// name: delete_user
// returns: one
// Remove a user with every session and API token of theirs, so access ends at once.
MATCH (u:User {username: $username})
OPTIONAL MATCH (s:Session {username: $username})
OPTIONAL MATCH (t:ApiToken {username: $username})
WITH u, collect(DISTINCT s) AS sessions, collect(DISTINCT t) AS tokens
FOREACH (x IN sessions | DELETE x)
FOREACH (x IN tokens | DELETE x)
DELETE u
RETURN size(sessions) AS sessions, size(tokens) AS tokens
