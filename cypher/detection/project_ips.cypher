// name: project_ips
// returns: rows
// Account→IP attachments with the node's attributes, for the evidence graph. Only IPs
// shared by two or more accounts: a node used by one account ties nobody together. Account pairs
// are built in Python with per-node caps, because pairs of a crowd node (a CGNAT IP used by
// thousands) would explode in Cypher.
MATCH (n:IP)
WHERE COUNT { (n)<-[:USED_IP]-(:Account) } >= 2
MATCH (a:Account)-[r:USED_IP]->(n)
RETURN a.account_id AS account_id, n.ip AS node_id, {ip_kind: n.kind, asn: n.asn, as_org: n.as_org} AS attrs,
       r.count AS count, r.first_seen.epochSeconds AS first_seen, r.last_seen.epochSeconds AS last_seen
