// name: list_region_node_accounts
// returns: rows
// Every account attached to the given shared nodes (by kind): one step of an incremental run's
// walk over the nodes that can tie accounts together.
MATCH (n:PaymentMethod) WHERE n.payment_id IN $payments
MATCH (a:Account)-[:PAID_WITH]->(n)
RETURN a.account_id AS account_id
UNION
MATCH (n:IP) WHERE n.ip IN $ips
MATCH (a:Account)-[:USED_IP]->(n)
RETURN a.account_id AS account_id
UNION
MATCH (n:Device) WHERE n.device_id IN $devices
MATCH (a:Account)-[:USED_DEVICE]->(n)
RETURN a.account_id AS account_id
UNION
MATCH (n:PromptCluster) WHERE n.cluster_id IN $clusters
MATCH (a:Account)-[:SENT]->(n)
RETURN a.account_id AS account_id
UNION
MATCH (n:EmailDomain) WHERE n.domain IN $domains
MATCH (a:Account)-[:HAS_EMAIL_DOMAIN]->(n)
RETURN a.account_id AS account_id
