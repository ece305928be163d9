// name: list_node_member_created
// returns: rows
// For the given shared nodes (by kind), the sign-up times (epoch seconds, null when unknown) of
// all their accounts: an incremental run's region walk computes the exact creation-burst boost
// of nodes whose weight is near the evidence minimum (a webmail domain must not carry the walk
// to its thousand users unless its sign-ups really came in a burst). One [time] per account, so
// unknown times (null) are kept and the list length is the degree.
MATCH (n:PaymentMethod) WHERE n.payment_id IN $payments
MATCH (a:Account)-[:PAID_WITH]->(n)
RETURN 'PaymentMethod' AS kind, n.payment_id AS node_id, collect([a.created_at.epochSeconds]) AS created
UNION ALL
MATCH (n:IP) WHERE n.ip IN $ips
MATCH (a:Account)-[:USED_IP]->(n)
RETURN 'IP' AS kind, n.ip AS node_id, collect([a.created_at.epochSeconds]) AS created
UNION ALL
MATCH (n:Device) WHERE n.device_id IN $devices
MATCH (a:Account)-[:USED_DEVICE]->(n)
RETURN 'Device' AS kind, n.device_id AS node_id, collect([a.created_at.epochSeconds]) AS created
UNION ALL
MATCH (n:PromptCluster) WHERE n.cluster_id IN $clusters
MATCH (a:Account)-[:SENT]->(n)
RETURN 'PromptCluster' AS kind, n.cluster_id AS node_id, collect([a.created_at.epochSeconds]) AS created
UNION ALL
MATCH (n:EmailDomain) WHERE n.domain IN $domains
MATCH (a:Account)-[:HAS_EMAIL_DOMAIN]->(n)
RETURN 'EmailDomain' AS kind, n.domain AS node_id, collect([a.created_at.epochSeconds]) AS created
