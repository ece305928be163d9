// name: get_ring_history
// returns: rows
// A ring over time: every succeeded run it was found in (size, score, flag) or recorded a change
// in (a vanished ring has a change but no size), oldest first.
MATCH (g:Ring {ring_id: $ring_id})-[:FOUND_IN|CHANGED_IN]->(r:DetectionRun {status: 'succeeded'})
WITH DISTINCT g, r
OPTIONAL MATCH (g)-[f:FOUND_IN]->(r)
OPTIONAL MATCH (g)-[c:CHANGED_IN]->(r)
RETURN r.run_id AS run_id, toString(r.started_at) AS started_at, f IS NOT NULL AS found,
       coalesce(f.size, 0) AS size, f.score AS score, coalesce(f.flagged, false) AS flagged,
       c.kind AS kind, c.previous_size AS previous_size, c.added AS added, c.removed AS removed,
       c.merged_from AS merged_from, c.merged_into AS merged_into, c.split_from AS split_from,
       c.split_into AS split_into
ORDER BY r.started_at
