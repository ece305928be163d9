// name: write_memberships
// returns: none
// (:Account)-[:MEMBER_OF {run}]->(:Ring) for one batch of (account, ring) pairs of a run.
UNWIND $rows AS row
MATCH (a:Account {account_id: row.account_id})
MATCH (g:Ring {ring_id: row.ring_id})
MERGE (a)-[m:MEMBER_OF {run: $run_id}]->(g)
