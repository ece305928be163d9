// name: merge_cluster_usage
// returns: none
// SENT per (account, prompt cluster): requests, tokens, first_seen / last_seen.
// touched_at (transaction time) marks the account as changed for incremental detection runs.
UNWIND $rows AS row
MATCH (a:Account {account_id: row.account_id})
MATCH (c:PromptCluster {cluster_id: row.cluster_id})
MERGE (a)-[r:SENT]->(c)
  ON CREATE SET r.count = row.count, r.input_tokens = row.input_tokens,
    r.output_tokens = row.output_tokens, r.first_seen = row.first, r.last_seen = row.last
  ON MATCH SET r.count = r.count + row.count,
    r.input_tokens = r.input_tokens + row.input_tokens,
    r.output_tokens = r.output_tokens + row.output_tokens,
    r.first_seen = CASE WHEN row.first < r.first_seen THEN row.first ELSE r.first_seen END,
    r.last_seen = CASE WHEN row.last > r.last_seen THEN row.last ELSE r.last_seen END
SET a.touched_at = datetime()
