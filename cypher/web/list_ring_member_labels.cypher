// name: list_ring_member_labels
// returns: one
// A ring's member ids in one run (one list, compact for 2,000-member rings) and the analyst
// labels of those members that have one: what the graph view needs (profiles load on click).
MATCH (:Ring {ring_id: $ring_id})<-[:MEMBER_OF {run: $run_id}]-(a:Account)
OPTIONAL MATCH (a)-[l:LABELED_AS]->(o:Operator)
WITH a, collect(CASE WHEN o IS NULL THEN null
                     ELSE {operator: o.name, confidence: l.confidence, source: l.source} END) AS labels
RETURN collect(a.account_id) AS accounts,
       collect(CASE WHEN size(labels) > 0 THEN {account_id: a.account_id, labels: labels} END) AS labeled
