// name: project_prompt_clusters
// returns: rows
// Account→PromptCluster attachments for the evidence graph, one row per PromptCluster shared by two or more
// accounts (a node used by one account ties nobody together): its attributes once, and its links as
// compact [account_id, count, first_seen, last_seen] lists (epoch seconds). One row per node instead
// of per attachment decodes the attributes once and halves what the driver unpacks (scale 1.0).
// Account pairs are built in Python with per-node caps, because pairs of a crowd node (a CGNAT IP
// used by thousands) would explode in Cypher.
MATCH (n:PromptCluster)
WHERE COUNT { (n)<-[:SENT]-() } >= 2
MATCH (a:Account)-[r:SENT]->(n)
WITH n, collect([a.account_id, r.count, r.first_seen.epochSeconds, r.last_seen.epochSeconds]) AS links
RETURN n.cluster_id AS node_id, {sample: n.sample, size: n.request_count, extraction: coalesce(n.extraction, false)} AS attrs, links
