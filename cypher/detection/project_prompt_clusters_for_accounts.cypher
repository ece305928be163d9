// name: project_prompt_clusters_for_accounts
// returns: rows
// project_prompt_clusters restricted to the clusters the given accounts sent to (all their
// accounts, so node degrees are the same as in a full projection): an incremental run's region.
MATCH (a0:Account)-[:SENT]->(n:PromptCluster) WHERE a0.account_id IN $account_ids
WITH DISTINCT n
WHERE COUNT { (n)<-[:SENT]-() } >= 2
MATCH (a:Account)-[r:SENT]->(n)
RETURN a.account_id AS account_id, n.cluster_id AS node_id, {sample: n.sample, size: n.request_count, extraction: coalesce(n.extraction, false)} AS attrs,
       coalesce(r.count, 0) AS count
