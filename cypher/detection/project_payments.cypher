// name: project_payments
// returns: rows
// Account→PaymentMethod attachments for the evidence graph, one row per PaymentMethod shared by two or more
// accounts (a node used by one account ties nobody together): its attributes once, and its links as
// compact [account_id, count, first_seen, last_seen] lists (epoch seconds). One row per node instead
// of per attachment decodes the attributes once and halves what the driver unpacks (scale 1.0).
// Account pairs are built in Python with per-node caps, because pairs of a crowd node (a CGNAT IP
// used by thousands) would explode in Cypher.
MATCH (n:PaymentMethod)
WHERE COUNT { (n)<-[:PAID_WITH]-() } >= 2
MATCH (a:Account)-[r:PAID_WITH]->(n)
WITH n, collect([a.account_id, r.count, r.first_seen.epochSeconds, r.last_seen.epochSeconds]) AS links
RETURN n.payment_id AS node_id, {method: n.method, bin: n.bin, issuer_country: n.issuer_country} AS attrs, links
