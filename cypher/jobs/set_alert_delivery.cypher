// name: set_alert_delivery
// returns: none
// Record a round of webhook delivery attempts (server time): delivered / failed, attempts so far, the last error.
MATCH (a:Alert {alert_id: $alert_id})
SET a.delivery = $delivery, a.attempts = coalesce(a.attempts, 0) + $attempts,
    a.last_error = $error, a.last_attempt_at = datetime(),
    a.delivered_at = CASE WHEN $delivery = 'delivered' THEN datetime() ELSE a.delivered_at END
