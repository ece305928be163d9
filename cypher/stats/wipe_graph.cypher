// name: wipe_graph
// returns: none
// Delete every data node and relationship in batches (tests and `ringscope reset`); keeps the
// schema, the web app's users, sessions and API tokens, and the admins' runtime settings
// (docs/security.md: a data reset must not lock analysts out or silently undo a configuration
// change; the audit log lives in a file and is never touched).
MATCH (n)
WHERE NOT (n:User OR n:Session OR n:ApiToken OR n:Setting)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
