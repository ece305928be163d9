// name: list_users
// returns: rows
// Every user with role, creation and last login time, live sessions and API tokens.
MATCH (u:User)
RETURN u.username AS username, u.role AS role, toString(u.created_at) AS created_at,
       toString(u.last_login) AS last_login,
       COUNT { MATCH (s:Session {username: u.username}) WHERE s.expires_at > datetime() } AS sessions,
       COUNT { MATCH (t:ApiToken {username: u.username}) } AS tokens
ORDER BY username
