// name: list_run_changes
// returns: rows
// The ring changes recorded for one run, biggest news first (new and merged/split before
// stable), with the attributed operator of rings that exist in the run.
MATCH (g:Ring)-[c:CHANGED_IN]->(:DetectionRun {run_id: $run_id})
OPTIONAL MATCH (g)-[t:ATTRIBUTED_TO {run: $run_id}]->(o:Operator)
RETURN g.ring_id AS ring_id, c.kind AS kind, c.size AS size, c.previous_size AS previous_size,
       c.added AS added, c.removed AS removed, c.jaccard AS jaccard, c.score AS score,
       c.previous_score AS previous_score, c.flagged AS flagged,
       c.previous_flagged AS previous_flagged, c.merged_from AS merged_from,
       c.merged_into AS merged_into, c.split_from AS split_from, c.split_into AS split_into,
       c.previous_run AS previous_run, o.name AS operator
ORDER BY CASE c.kind WHEN 'new' THEN 0 WHEN 'merged' THEN 1 WHEN 'split' THEN 2
                     WHEN 'grown' THEN 3 WHEN 'shrunk' THEN 4 WHEN 'vanished' THEN 5 ELSE 6 END,
         c.flagged DESC, coalesce(c.score, c.previous_score) DESC, g.ring_id
