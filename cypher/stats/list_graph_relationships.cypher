// name: list_graph_relationships
// returns: rows
// Every relationship with its end nodes' keys and its properties: for comparing two loads of the
// same data in tests and benchmarks. Small graphs only.
MATCH (a)-[r]->(b)
RETURN type(r) AS type, a.account_id AS start,
       coalesce(b.ip, b.device_id, b.cluster_id, b.payment_id, b.domain, b.name) AS end,
       properties(r) AS props
