// name: list_ring_shared_nodes
// returns: rows
// The attribution subgraph of a ring in one run: every payment method, IP, device and prompt
// cluster used by two or more members, or by a member and an analyst-labeled account outside
// the ring (the path that ties a ring to an operator). Each row has the node's kind, key and
// attributes, its total degree, the member links and up to $labeled_cap labeled outsiders.
// Member links are packed as "count<TAB>first_seen<TAB>last_seen<TAB>account_id" strings
// (epoch seconds, -1 when unknown): one list element per link keeps a 2,000-member ring fast
// to decode.
MATCH (:Ring {ring_id: $ring_id})<-[:MEMBER_OF {run: $run_id}]-(a:Account)
MATCH (a)-[r:PAID_WITH|USED_IP|USED_DEVICE|SENT]->(n)
WITH n, type(r) AS rel, collect(a.account_id) AS links, collect(r) AS rels
// Only accounts hold these relationship types, so no label test: the count comes from the
// node's degree store instead of expanding a hub node's (possibly 100k) relationships.
WITH n, rel, links, rels, COUNT { (n)<-[:PAID_WITH|USED_IP|USED_DEVICE|SENT]-() } AS degree
WHERE size(links) >= 2 OR degree > size(links)
CALL (n, links, degree) {
  WITH n WHERE degree > size(links)
  MATCH (n)<-[r:PAID_WITH|USED_IP|USED_DEVICE|SENT]-(b:Account)-[l:LABELED_AS]->(o:Operator)
  WHERE NOT EXISTS { (b)-[:MEMBER_OF {run: $run_id}]->(:Ring {ring_id: $ring_id}) }
  WITH b, r, l, o ORDER BY b.account_id LIMIT $labeled_cap
  RETURN collect({account_id: b.account_id, rel: type(r), count: r.count,
                  first_seen: r.first_seen.epochSeconds, last_seen: r.last_seen.epochSeconds,
                  operator: o.name, confidence: l.confidence, source: l.source}) AS outsiders
}
WITH n, rel, links, rels, degree, outsiders
WHERE size(links) >= 2 OR size(outsiders) > 0
RETURN labels(n)[0] AS kind, coalesce(n.payment_id, n.ip, n.device_id, n.cluster_id) AS key,
       n {.method, .bin, .issuer_country, .asn, .as_org, .kind, .user_agent, .sample,
          .extraction, .request_count} AS props,
       degree, rel,
       [i IN range(0, size(rels) - 1) |
          toString(coalesce(rels[i].count, 0)) + '\t' +
          toString(coalesce(rels[i].first_seen.epochSeconds, -1)) + '\t' +
          toString(coalesce(rels[i].last_seen.epochSeconds, -1)) + '\t' + links[i]] AS links,
       outsiders
ORDER BY kind, key
