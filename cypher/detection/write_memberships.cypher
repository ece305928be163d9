// name: write_memberships
// returns: none
// (:Account)-[:MEMBER_OF {run}]->(:Ring) for one batch of (account, ring) pairs of a run.
// CREATE, not MERGE: a run id is new and its pairs are written once (a retried transaction is
// rolled back first); MERGE's check cost about a quarter of the membership write at scale 1.0.
UNWIND $rows AS row
MATCH (a:Account {account_id: row.account_id})
MATCH (g:Ring {ring_id: row.ring_id})
CREATE (a)-[:MEMBER_OF {run: $run_id}]->(g)
