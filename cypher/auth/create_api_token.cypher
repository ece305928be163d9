// name: create_api_token
// returns: one
// A named API token for scripts; only its SHA-256 is stored. The user must exist.
MATCH (u:User {username: $username})
CREATE (t:ApiToken {token_hash: $token_hash, name: $name, username: u.username,
                    created_at: datetime()})
RETURN t.name AS name
