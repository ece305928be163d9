// name: project_ips
// returns: rows
// Account→IP attachments for the evidence graph, one row per IP shared by two or more
// accounts (a node used by one account ties nobody together): its attributes once, and its links as
// compact [account_id, count, first_seen, last_seen] lists (epoch seconds). One row per node instead
// of per attachment decodes the attributes once and halves what the driver unpacks (scale 1.0).
// Account pairs are built in Python with per-node caps, because pairs of a crowd node (a CGNAT IP
// used by thousands) would explode in Cypher.
MATCH (n:IP)
WHERE COUNT { (n)<-[:USED_IP]-() } >= 2
MATCH (a:Account)-[r:USED_IP]->(n)
WITH n, collect([a.account_id, r.count, r.first_seen.epochSeconds, r.last_seen.epochSeconds]) AS links
RETURN n.ip AS node_id, {ip_kind: n.kind, asn: n.asn, as_org: n.as_org} AS attrs, links
