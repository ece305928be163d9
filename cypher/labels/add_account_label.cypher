// name: add_account_label
// returns: one
// An analyst labels an existing account as run by an operator from the web app:
// (:Account)-[:LABELED_AS {source: "ui:<user>", confidence, reason, at}]->(:Operator), the edge
// the next detection run reads (cypher/detection/project_accounts.cypher).
MATCH (a:Account {account_id: $account_id})
MERGE (o:Operator {name: $operator})
MERGE (a)-[l:LABELED_AS]->(o)
SET l.source = $source, l.confidence = $confidence, l.reason = $reason, l.at = datetime()
RETURN a.account_id AS account_id, o.name AS operator
