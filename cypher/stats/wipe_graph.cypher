// name: wipe_graph
// returns: none
// Delete every data node and relationship in batches (tests and `ringscope reset`); keeps the
// schema and the web app's users, sessions and API tokens (docs/security.md: a data reset must
// not lock analysts out; the audit log lives in a file and is never touched).
MATCH (n)
WHERE NOT (n:User OR n:Session OR n:ApiToken)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
