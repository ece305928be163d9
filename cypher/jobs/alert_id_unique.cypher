// name: alert_id_unique
// returns: none
// Uniqueness of alerts (one per run, ring and kind); idempotent (IF NOT EXISTS).
CREATE CONSTRAINT alert_id_unique IF NOT EXISTS FOR (n:Alert) REQUIRE n.alert_id IS UNIQUE
