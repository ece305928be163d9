// name: api_token_hash_unique
// returns: none
// API tokens are looked up by the SHA-256 of the bearer token on every request.
CREATE CONSTRAINT api_token_hash_unique IF NOT EXISTS
FOR (t:ApiToken) REQUIRE t.token_hash IS UNIQUE
