// name: merge_labels
// returns: none
// Analyst-confirmed attributions: (:Account)-[:LABELED_AS {source, confidence}]->(:Operator).
// touched_at (transaction time) marks the account as changed for incremental detection runs.
UNWIND $rows AS row
MERGE (a:Account {account_id: row.account_id})
  ON CREATE SET a.declared = false
SET a.touched_at = datetime()
MERGE (o:Operator {name: row.operator})
MERGE (a)-[l:LABELED_AS]->(o)
SET l.source = row.source, l.confidence = row.confidence
