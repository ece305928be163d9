// name: add_cluster_requests
// returns: none
// Add a batch's request counts to each prompt cluster (one row per cluster).
UNWIND $rows AS row
MATCH (c:PromptCluster {cluster_id: row.cluster_id})
SET c.request_count = coalesce(c.request_count, 0) + row.count
