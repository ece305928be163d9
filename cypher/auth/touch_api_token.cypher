// name: touch_api_token
// returns: none
// Record a token's use (at most about once a minute per token, decided by the caller).
MATCH (t:ApiToken {token_hash: $token_hash})
SET t.last_used = datetime()
