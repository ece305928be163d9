// name: project_ips_for_accounts
// returns: rows
// project_ips restricted to the IPs the given accounts used (all their accounts, so node degrees
// are the same as in a full projection): an incremental run's region.
MATCH (a0:Account)-[:USED_IP]->(n:IP) WHERE a0.account_id IN $account_ids
WITH DISTINCT n
WHERE COUNT { (n)<-[:USED_IP]-() } >= 2
MATCH (a:Account)-[r:USED_IP]->(n)
RETURN a.account_id AS account_id, n.ip AS node_id, {ip_kind: n.kind, asn: n.asn, as_org: n.as_org} AS attrs,
       coalesce(r.count, 0) AS count
