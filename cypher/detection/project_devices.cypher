// name: project_devices
// returns: rows
// Account→Device attachments with the node's attributes, for the evidence graph. Only devices
// shared by two or more accounts: a node used by one account ties nobody together. Account pairs
// are built in Python with per-node caps, because pairs of a crowd node (a CGNAT IP used by
// thousands) would explode in Cypher.
MATCH (n:Device)
WHERE COUNT { (n)<-[:USED_DEVICE]-(:Account) } >= 2
MATCH (a:Account)-[r:USED_DEVICE]->(n)
RETURN a.account_id AS account_id, n.device_id AS node_id, {user_agent: n.user_agent} AS attrs,
       r.count AS count, r.first_seen.epochSeconds AS first_seen, r.last_seen.epochSeconds AS last_seen
