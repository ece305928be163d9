// name: write_alerts
// returns: none
// (:Alert {alert_id, kind, ring_id, run_id, score, previous_score, size, operator, message,
// created_at, delivery})-[:ABOUT]->(:Ring), -[:RAISED_IN]->(:DetectionRun). Keyed by alert_id
// (run, ring, kind), so writing the same batch twice gives one alert each.
MATCH (run:DetectionRun {run_id: $run_id})
UNWIND $rows AS row
MATCH (g:Ring {ring_id: row.ring_id})
MERGE (a:Alert {alert_id: row.alert_id})
ON CREATE SET a.kind = row.kind, a.ring_id = row.ring_id, a.run_id = $run_id,
              a.score = row.score, a.previous_score = row.previous_score, a.size = row.size,
              a.operator = row.operator, a.message = row.message,
              a.created_at = datetime(), a.delivery = row.delivery, a.attempts = 0
MERGE (a)-[:ABOUT]->(g)
MERGE (a)-[:RAISED_IN]->(run)
