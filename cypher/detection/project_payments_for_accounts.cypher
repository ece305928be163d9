// name: project_payments_for_accounts
// returns: rows
// project_payments restricted to the cards the given accounts paid with, plus every shared card
// with the same BIN (a card's prepaid-BIN boost is computed over all cards of its BIN), with
// all their accounts: an incremental run's region.
OPTIONAL MATCH (a0:Account)-[:PAID_WITH]->(p0:PaymentMethod) WHERE a0.account_id IN $account_ids
WITH collect(DISTINCT p0.bin) AS bins, collect(DISTINCT p0) AS direct
MATCH (n:PaymentMethod)
WHERE (n IN direct OR n.bin IN bins) AND COUNT { (n)<-[:PAID_WITH]-() } >= 2
MATCH (a:Account)-[r:PAID_WITH]->(n)
RETURN a.account_id AS account_id, n.payment_id AS node_id, {method: n.method, bin: n.bin, issuer_country: n.issuer_country} AS attrs,
       coalesce(r.count, 0) AS count
