// name: session_token_hash_unique
// returns: none
// Web sessions are looked up by the SHA-256 of their cookie token on every request.
CREATE CONSTRAINT session_token_hash_unique IF NOT EXISTS
FOR (s:Session) REQUIRE s.token_hash IS UNIQUE
