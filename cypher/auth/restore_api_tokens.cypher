// name: restore_api_tokens
// returns: none
// Put back API tokens dumped by dump_users_and_tokens (after a bulk import replaced the store).
UNWIND $rows AS props
CREATE (t:ApiToken)
SET t = props
