// name: project_prompt_clusters
// returns: rows
// Account→PromptCluster attachments with the node's attributes, for the evidence graph. Only prompt clusters
// shared by two or more accounts: a node used by one account ties nobody together. Account pairs
// are built in Python with per-node caps, because pairs of a crowd node (a CGNAT IP used by
// thousands) would explode in Cypher.
MATCH (n:PromptCluster)
WHERE COUNT { (n)<-[:SENT]-(:Account) } >= 2
MATCH (a:Account)-[r:SENT]->(n)
RETURN a.account_id AS account_id, n.cluster_id AS node_id, {sample: n.sample, size: n.request_count, extraction: coalesce(n.extraction, false)} AS attrs,
       r.count AS count, r.first_seen.epochSeconds AS first_seen, r.last_seen.epochSeconds AS last_seen
