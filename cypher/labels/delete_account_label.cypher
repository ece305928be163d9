// name: delete_account_label
// returns: one
// Remove an account's operator label (whatever its source); returns what was removed.
MATCH (a:Account {account_id: $account_id})-[l:LABELED_AS]->(o:Operator {name: $operator})
WITH l, l.source AS source, l.confidence AS confidence
DELETE l
RETURN source, confidence
