// name: restore_users
// returns: none
// Put back users dumped by dump_users_and_tokens (after a bulk import replaced the store).
UNWIND $rows AS props
CREATE (u:User)
SET u = props
