// name: list_entity_neighbours
// returns: one
// One page of a node's neighbours over PAID_WITH, USED_IP, USED_DEVICE, SENT and LABELED_AS, the
// busiest links first ($skip / $limit), with the total, for "expand" and the entity page. $kind
// and $key as in get_entity. Link times are epoch seconds.
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
  MATCH (n)-[r:PAID_WITH|USED_IP|USED_DEVICE|SENT|LABELED_AS]-(m)
  WITH r, m, coalesce(m.account_id, m.payment_id, m.ip, m.device_id, m.cluster_id, m.name) AS key
  ORDER BY coalesce(r.count, 0) DESC, key
  SKIP $skip LIMIT $limit
  RETURN collect({kind: labels(m)[0], key: key, rel: type(r),
                  outgoing: startNode(r) = n, count: r.count,
                  first_seen: r.first_seen.epochSeconds, last_seen: r.last_seen.epochSeconds,
                  confidence: r.confidence, source: r.source,
                  props: m {.method, .bin, .issuer_country, .asn, .as_org, .kind, .user_agent,
                            .sample, .extraction, .request_count, .country, .org,
                            .email_domain, .declared}}) AS neighbours
}
RETURN labels(n)[0] AS kind,
       COUNT { (n)-[:PAID_WITH|USED_IP|USED_DEVICE|SENT|LABELED_AS]-() } AS total, neighbours
