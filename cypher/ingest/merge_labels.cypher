// name: merge_labels
// returns: none
// Analyst-confirmed attributions: (:Account)-[:LABELED_AS {source, confidence}]->(:Operator).
UNWIND $rows AS row
MERGE (a:Account {account_id: row.account_id})
  ON CREATE SET a.declared = false
MERGE (o:Operator {name: row.operator})
MERGE (a)-[l:LABELED_AS]->(o)
SET l.source = row.source, l.confidence = row.confidence
