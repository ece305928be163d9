// name: wipe_graph
// returns: none
// Delete every node and relationship in batches (tests and `ringscope reset`); keeps the schema.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
