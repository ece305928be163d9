// name: create_session
// returns: none
// A server-side web session: only the SHA-256 of the cookie token is stored, with the CSRF
// token of the session and an absolute expiry.
CREATE (:Session {token_hash: $token_hash, username: $username, csrf_token: $csrf_token,
                  created_at: datetime(),
                  expires_at: datetime() + duration({seconds: $ttl_seconds})})
