// name: merge_device_usage
// returns: none
// USED_DEVICE per (account, device), aggregated from requests; the device keeps its latest user agent.
UNWIND $rows AS row
MATCH (a:Account {account_id: row.account_id})
MERGE (d:Device {device_id: row.device_id})
SET d.user_agent = coalesce(row.user_agent, d.user_agent)
MERGE (a)-[r:USED_DEVICE]->(d)
  ON CREATE SET r.count = 0, r.first_seen = row.first, r.last_seen = row.last
SET r.count = r.count + row.count,
    r.first_seen = CASE WHEN row.first < r.first_seen THEN row.first ELSE r.first_seen END,
    r.last_seen = CASE WHEN row.last > r.last_seen THEN row.last ELSE r.last_seen END
