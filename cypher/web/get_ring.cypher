// name: get_ring
// returns: one
// A ring as found in one run: score, flag, size, signals (JSON), the attributed operator with
// confidence and evidence, and every run the same ring (same member set) was found in.
MATCH (g:Ring {ring_id: $ring_id})-[f:FOUND_IN]->(run:DetectionRun {run_id: $run_id})
OPTIONAL MATCH (g)-[t:ATTRIBUTED_TO {run: $run_id}]->(o:Operator)
CALL (g) {
  MATCH (g)-[:FOUND_IN]->(other:DetectionRun)
  WITH other ORDER BY other.started_at DESC
  RETURN collect({run_id: other.run_id, status: other.status,
                  started_at: toString(other.started_at)}) AS runs
}
RETURN g.ring_id AS ring_id, f.score AS score, f.flagged AS flagged, f.size AS size,
       f.signals AS signals, o.name AS operator, t.confidence AS confidence,
       t.evidence AS evidence, runs
