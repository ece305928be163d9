// name: project_ips
// returns: rows
// Account→IP attachments for the evidence graph, one row per IP shared by two or more
// accounts (a node used by one account ties nobody together): its attributes once, and its links as
// two parallel lists, account ids and request counts. One row per node instead of per attachment
// decodes the attributes once; flat lists are what the driver unpacks and Python extends fastest
// (scale 1.0: 4.6M links). The links are collected per node in a subquery, so rows stream out as
// each node is done instead of after one eager aggregation over every link (the prompt-cluster
// read at 1.0: 27 -> 17 s).
// Account pairs are built in Python with per-node caps, because pairs of a crowd node (a CGNAT IP
// used by thousands) would explode in Cypher.
MATCH (n:IP)
WHERE COUNT { (n)<-[:USED_IP]-() } >= 2
CALL (n) {
  MATCH (a:Account)-[r:USED_IP]->(n)
  RETURN collect(a.account_id) AS accounts, collect(coalesce(r.count, 0)) AS counts
}
RETURN n.ip AS node_id, {ip_kind: n.kind, asn: n.asn, as_org: n.as_org} AS attrs, accounts, counts
