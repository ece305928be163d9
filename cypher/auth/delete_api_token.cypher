// name: delete_api_token
// returns: one
// Revoke a user's API tokens of that name.
OPTIONAL MATCH (t:ApiToken {username: $username, name: $name})
WITH collect(t) AS found
FOREACH (x IN found | DELETE x)
RETURN size(found) AS deleted
