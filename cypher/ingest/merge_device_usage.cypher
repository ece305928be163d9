// name: merge_device_usage
// returns: none
// USED_DEVICE per (account, device), aggregated from requests (both ends exist already).
// touched_at (transaction time) marks the account as changed for incremental detection runs.
UNWIND $rows AS row
MATCH (a:Account {account_id: row.account_id})
MATCH (d:Device {device_id: row.device_id})
MERGE (a)-[r:USED_DEVICE]->(d)
  ON CREATE SET r.count = row.count, r.first_seen = row.first, r.last_seen = row.last
  ON MATCH SET r.count = r.count + row.count,
    r.first_seen = CASE WHEN row.first < r.first_seen THEN row.first ELSE r.first_seen END,
    r.last_seen = CASE WHEN row.last > r.last_seen THEN row.last ELSE r.last_seen END
SET a.touched_at = datetime()
