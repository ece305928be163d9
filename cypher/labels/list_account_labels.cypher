// name: list_account_labels
// returns: rows
// An account's operator labels with source, confidence, reason and time.
MATCH (a:Account {account_id: $account_id})-[l:LABELED_AS]->(o:Operator)
RETURN o.name AS operator, l.source AS source, l.confidence AS confidence, l.reason AS reason,
       toString(l.at) AS at
ORDER BY operator
