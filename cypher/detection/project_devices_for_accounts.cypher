// name: project_devices_for_accounts
// returns: rows
// project_devices restricted to the devices the given accounts used (all their accounts, so node
// degrees are the same as in a full projection): an incremental run's region.
MATCH (a0:Account)-[:USED_DEVICE]->(n:Device) WHERE a0.account_id IN $account_ids
WITH DISTINCT n
WHERE COUNT { (n)<-[:USED_DEVICE]-() } >= 2
MATCH (a:Account)-[r:USED_DEVICE]->(n)
RETURN a.account_id AS account_id, n.device_id AS node_id, {user_agent: n.user_agent} AS attrs,
       coalesce(r.count, 0) AS count
