// name: list_entity_rings
// returns: rows
// The rings of one run a node belongs to: an account's own rings, the rings of the accounts
// using a payment method / IP / device / prompt cluster (with how many of them), and for an
// operator the rings of its labeled accounts plus the rings attributed to it. $kind and $key as
// in get_entity. Best rings first, at most $limit.
CALL () {
  MATCH (n:Account {account_id: $key}) WHERE $kind = 'Account' RETURN n
  UNION ALL
  MATCH (n:PaymentMethod {payment_id: $key}) WHERE $kind = 'PaymentMethod' RETURN n
  UNION ALL
  MATCH (n:IP {ip: $key}) WHERE $kind = 'IP' RETURN n
  UNION ALL
  MATCH (n:Device {device_id: $key}) WHERE $kind = 'Device' RETURN n
  UNION ALL
  MATCH (n:PromptCluster {cluster_id: $key}) WHERE $kind = 'PromptCluster' RETURN n
  UNION ALL
  MATCH (n:Operator {name: $key}) WHERE $kind = 'Operator' RETURN n
}
WITH n LIMIT 1
CALL (n) {
  MATCH (n)-[:PAID_WITH|USED_IP|USED_DEVICE|SENT|LABELED_AS]-(a:Account)
        -[:MEMBER_OF {run: $run_id}]->(g:Ring)
  RETURN g, count(DISTINCT a) AS linked, false AS attributed
  UNION ALL
  MATCH (n:Account)-[:MEMBER_OF {run: $run_id}]->(g:Ring)
  RETURN g, 1 AS linked, false AS attributed
  UNION ALL
  MATCH (g:Ring)-[:ATTRIBUTED_TO {run: $run_id}]->(n:Operator)
  RETURN g, 0 AS linked, true AS attributed
}
WITH g, sum(linked) AS linked, any(x IN collect(attributed) WHERE x) AS attributed
MATCH (g)-[f:FOUND_IN]->(:DetectionRun {run_id: $run_id})
OPTIONAL MATCH (g)-[t:ATTRIBUTED_TO {run: $run_id}]->(o:Operator)
RETURN g.ring_id AS ring_id, f.score AS score, f.flagged AS flagged, f.size AS size,
       o.name AS operator, t.confidence AS confidence, linked, attributed
ORDER BY f.score DESC, f.size DESC, ring_id
LIMIT $limit
