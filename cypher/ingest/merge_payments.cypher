// name: merge_payments
// returns: none
// PAID_WITH per (account, payment method), with count / first_seen / last_seen.
// touched_at (transaction time) marks the account, and the card when its method or BIN changed
// (that changes the card's weight for all its accounts), for incremental detection runs.
UNWIND $rows AS row
MERGE (a:Account {account_id: row.account_id})
  ON CREATE SET a.declared = false
SET a.touched_at = datetime()
MERGE (p:PaymentMethod {payment_id: row.payment_id})
WITH a, p, row, coalesce(p.method, '') + '|' + coalesce(toString(p.bin), '') AS before
SET p.method = coalesce(row.method, p.method),
    p.bin = coalesce(row.bin, p.bin),
    p.issuer_country = coalesce(row.issuer_country, p.issuer_country)
SET p.touched_at = CASE WHEN before <> coalesce(p.method, '') + '|' + coalesce(toString(p.bin), '')
                        THEN datetime() ELSE p.touched_at END
MERGE (a)-[r:PAID_WITH]->(p)
  ON CREATE SET r.count = row.count, r.first_seen = row.first, r.last_seen = row.last
  ON MATCH SET r.count = r.count + row.count,
    r.first_seen = CASE WHEN row.first < r.first_seen THEN row.first ELSE r.first_seen END,
    r.last_seen = CASE WHEN row.last > r.last_seen THEN row.last ELSE r.last_seen END
