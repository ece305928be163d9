// name: merge_devices
// returns: none
// Devices seen in a batch, with their latest user agent.
UNWIND $rows AS row
MERGE (d:Device {device_id: row.device_id})
SET d.user_agent = coalesce(row.user_agent, d.user_agent)
