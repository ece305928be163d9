// name: write_attributions
// returns: none
// (:Ring)-[:ATTRIBUTED_TO {run, confidence, evidence}]->(:Operator) for the rings of one run.
UNWIND $rows AS row
MATCH (g:Ring {ring_id: row.ring_id})
MERGE (o:Operator {name: row.operator})
MERGE (g)-[t:ATTRIBUTED_TO {run: $run_id}]->(o)
SET t.confidence = row.confidence, t.evidence = row.evidence
