// name: get_data_fingerprint
// returns: one
// What has been ingested so far (files, committed lines, latest ingest time) and how many
// analyst labels exist: a run with the same fingerprint and parameters as the last succeeded
// run would find the same rings, so a scheduled run skips it.
OPTIONAL MATCH (f:IngestedFile)
WITH count(f) AS files, coalesce(sum(f.lines_committed), 0) AS lines,
     toString(max(f.last_ingested)) AS last_ingested
RETURN files, lines, last_ingested,
       COUNT { (:Account)-[:LABELED_AS]->(:Operator) } AS labels,
       COUNT { (:Account) } AS accounts
