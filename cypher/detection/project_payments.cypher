// name: project_payments
// returns: rows
// Account→PaymentMethod attachments with the node's attributes, for the evidence graph. Only payment methods
// shared by two or more accounts: a node used by one account ties nobody together. Account pairs
// are built in Python with per-node caps, because pairs of a crowd node (a CGNAT IP used by
// thousands) would explode in Cypher.
MATCH (n:PaymentMethod)
WHERE COUNT { (n)<-[:PAID_WITH]-(:Account) } >= 2
MATCH (a:Account)-[r:PAID_WITH]->(n)
RETURN a.account_id AS account_id, n.payment_id AS node_id, {method: n.method, bin: n.bin, issuer_country: n.issuer_country} AS attrs,
       r.count AS count, r.first_seen.epochSeconds AS first_seen, r.last_seen.epochSeconds AS last_seen
