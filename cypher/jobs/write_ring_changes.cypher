// name: write_ring_changes
// returns: none
// (:Ring)-[:CHANGED_IN {kind, size, previous_size, added, removed, jaccard, score,
// previous_score, flagged, previous_flagged, merged_from, merged_into, split_from, split_into,
// previous_run}]->(:DetectionRun) for one batch of a run's ring changes (vanished rings too).
MATCH (run:DetectionRun {run_id: $run_id})
UNWIND $rows AS row
MERGE (g:Ring {ring_id: row.ring_id})
MERGE (g)-[c:CHANGED_IN]->(run)
SET c.kind = row.kind, c.size = row.size, c.previous_size = row.previous_size,
    c.added = row.added, c.removed = row.removed, c.jaccard = row.jaccard,
    c.score = row.score, c.previous_score = row.previous_score,
    c.flagged = row.flagged, c.previous_flagged = row.previous_flagged,
    c.merged_from = row.merged_from, c.merged_into = row.merged_into,
    c.split_from = row.split_from, c.split_into = row.split_into, c.previous_run = $previous_run
