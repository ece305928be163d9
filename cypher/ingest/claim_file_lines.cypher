// name: claim_file_lines
// returns: one
// Advance a file's committed-line mark from $start to $end inside the batch's transaction.
// Returns claimed=false when another run already committed these lines; the caller then
// rolls back, so no line is ever counted twice.
MERGE (f:IngestedFile {digest: $digest})
  ON CREATE SET f.lines_committed = 0, f.first_ingested = datetime()
SET f.name = $name
WITH f, coalesce(f.lines_committed, 0) = $start AS claimable
SET f.lines_committed = CASE WHEN claimable THEN $end ELSE f.lines_committed END,
    f.last_ingested = CASE WHEN claimable THEN datetime() ELSE f.last_ingested END
RETURN claimable AS claimed
