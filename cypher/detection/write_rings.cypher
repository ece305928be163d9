// name: write_rings
// returns: none
// Rings of one run: a Ring node keyed by its id (the same member set gives the same id in every
// run), FOUND_IN the run with that run's score, flag, size and signals (JSON), and the latest
// values copied onto the ring for quick reading.
MATCH (run:DetectionRun {run_id: $run_id})
UNWIND $rings AS ring
MERGE (g:Ring {ring_id: ring.ring_id})
SET g.score = ring.score, g.flagged = ring.flagged, g.size = ring.size,
    g.signals = ring.signals_json, g.last_run = $run_id
MERGE (g)-[f:FOUND_IN]->(run)
SET f.score = ring.score, f.flagged = ring.flagged, f.size = ring.size, f.signals = ring.signals_json
