// name: list_alerts
// returns: rows
// Alerts, newest first; $delivery filters on pending / failed / delivered / disabled (null: all).
MATCH (a:Alert)
WHERE $delivery IS NULL OR a.delivery = $delivery
RETURN a.alert_id AS alert_id, a.kind AS kind, a.ring_id AS ring_id, a.run_id AS run_id,
       a.score AS score, a.previous_score AS previous_score, a.size AS size,
       a.operator AS operator, a.message AS message, toString(a.created_at) AS created_at,
       a.delivery AS delivery, a.attempts AS attempts, a.last_error AS last_error,
       toString(a.delivered_at) AS delivered_at
ORDER BY a.created_at DESC, a.alert_id
LIMIT $limit
