// name: merge_ip_usage
// returns: none
// USED_IP per (account, ip), aggregated from requests (both ends exist already in the batch).
// touched_at (transaction time) marks the account as changed for incremental detection runs.
UNWIND $rows AS row
MATCH (a:Account {account_id: row.account_id})
MATCH (i:IP {ip: row.ip})
MERGE (a)-[r:USED_IP]->(i)
  ON CREATE SET r.count = row.count, r.first_seen = row.first, r.last_seen = row.last
  ON MATCH SET r.count = r.count + row.count,
    r.first_seen = CASE WHEN row.first < r.first_seen THEN row.first ELSE r.first_seen END,
    r.last_seen = CASE WHEN row.last > r.last_seen THEN row.last ELSE r.last_seen END
SET a.touched_at = datetime()
