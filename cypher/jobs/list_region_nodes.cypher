// name: list_region_nodes
// returns: rows
// The shared nodes (two or more accounts) attached to the given accounts, with their kind,
// degree and the attributes that bound their evidence weight: an incremental run follows the
// ones that can tie accounts together to find the connected region it must recompute.
MATCH (a:Account)-[:PAID_WITH]->(n:PaymentMethod) WHERE a.account_id IN $account_ids
WITH DISTINCT n
WITH n, COUNT { (n)<-[:PAID_WITH]-() } AS degree WHERE degree >= 2
RETURN 'PaymentMethod' AS kind, n.payment_id AS node_id, degree,
       {method: n.method, bin: n.bin} AS attrs
UNION ALL
MATCH (a:Account)-[:USED_IP]->(n:IP) WHERE a.account_id IN $account_ids
WITH DISTINCT n
WITH n, COUNT { (n)<-[:USED_IP]-() } AS degree WHERE degree >= 2
RETURN 'IP' AS kind, n.ip AS node_id, degree, {ip_kind: n.kind} AS attrs
UNION ALL
MATCH (a:Account)-[:USED_DEVICE]->(n:Device) WHERE a.account_id IN $account_ids
WITH DISTINCT n
WITH n, COUNT { (n)<-[:USED_DEVICE]-() } AS degree WHERE degree >= 2
RETURN 'Device' AS kind, n.device_id AS node_id, degree, {user_agent: n.user_agent} AS attrs
UNION ALL
MATCH (a:Account)-[:SENT]->(n:PromptCluster) WHERE a.account_id IN $account_ids
WITH DISTINCT n
WITH n, COUNT { (n)<-[:SENT]-() } AS degree WHERE degree >= 2
RETURN 'PromptCluster' AS kind, n.cluster_id AS node_id, degree,
       {extraction: coalesce(n.extraction, false)} AS attrs
UNION ALL
MATCH (a:Account)-[:HAS_EMAIL_DOMAIN]->(n:EmailDomain) WHERE a.account_id IN $account_ids
WITH DISTINCT n
WITH n, COUNT { (n)<-[:HAS_EMAIL_DOMAIN]-() } AS degree WHERE degree >= 2
RETURN 'EmailDomain' AS kind, n.domain AS node_id, degree, {domain: n.domain} AS attrs
