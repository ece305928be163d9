// name: list_run_ring_members
// returns: rows
// Every ring of one run with its member ids, score and flag: the previous partition that the
// next run's rings are matched against.
MATCH (g:Ring)-[f:FOUND_IN]->(:DetectionRun {run_id: $run_id})
CALL (g) {
  MATCH (a:Account)-[:MEMBER_OF {run: $run_id}]->(g)
  RETURN collect(a.account_id) AS members
}
RETURN g.ring_id AS ring_id, f.score AS score, f.flagged AS flagged, members
