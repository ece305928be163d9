// name: list_touched_accounts
// returns: rows
// Accounts changed since $since (ISO datetime): written by an ingest (touched_at on the account),
// or attached to an IP, card or prompt cluster whose weight-relevant attributes changed
// (touched_at on the node). Ingest wall-clock, not event time: late events with old timestamps
// count as changes too.
CALL {
  MATCH (a:Account) WHERE a.touched_at >= datetime($since)
  RETURN a.account_id AS account_id
  UNION
  MATCH (n:IP) WHERE n.touched_at >= datetime($since)
  MATCH (a:Account)-[:USED_IP]->(n)
  RETURN a.account_id AS account_id
  UNION
  MATCH (n:PaymentMethod) WHERE n.touched_at >= datetime($since)
  MATCH (a:Account)-[:PAID_WITH]->(n)
  RETURN a.account_id AS account_id
  UNION
  MATCH (n:PromptCluster) WHERE n.touched_at >= datetime($since)
  MATCH (a:Account)-[:SENT]->(n)
  RETURN a.account_id AS account_id
}
RETURN account_id
