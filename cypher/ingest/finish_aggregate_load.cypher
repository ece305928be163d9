// name: finish_aggregate_load
// returns: none
// Close an aggregate load and record its input files as fully ingested (same transaction), so a later
// `ringscope ingest` of those event files adds nothing and scheduled detection sees new data.
MATCH (l:AggregateLoad {digest: $digest})
SET l.status = 'complete', l.finished = datetime(), l.rows = $rows
WITH l
UNWIND $inputs AS input
MERGE (f:IngestedFile {digest: input.digest})
  ON CREATE SET f.first_ingested = datetime()
SET f.name = input.name, f.lines_committed = input.lines, f.last_ingested = datetime()
