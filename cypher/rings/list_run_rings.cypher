// name: list_run_rings
// returns: rows
// Every ring of one run with its members, attributed operator and signals (JSON), best first.
MATCH (g:Ring)-[f:FOUND_IN]->(:DetectionRun {run_id: $run_id})
OPTIONAL MATCH (g)-[t:ATTRIBUTED_TO {run: $run_id}]->(o:Operator)
CALL (g) {
  MATCH (a:Account)-[:MEMBER_OF {run: $run_id}]->(g)
  RETURN collect(a.account_id) AS accounts
}
RETURN g.ring_id AS ring_id, f.score AS score, f.flagged AS flagged, f.size AS size,
       f.signals AS signals, o.name AS operator, t.confidence AS confidence, t.evidence AS evidence,
       accounts
ORDER BY f.score DESC, f.size DESC, g.ring_id
