// name: dump_users_and_tokens
// returns: rows
// Every web-app user and API token with all stored properties (hashes only, never secrets), so
// an offline bulk import, which replaces the whole store, can put them back afterwards.
MATCH (n)
WHERE n:User OR n:ApiToken
RETURN CASE WHEN n:User THEN 'User' ELSE 'ApiToken' END AS kind, properties(n) AS props
