// name: detection_run_id_unique
// returns: none
// Uniqueness of detection runs; idempotent (IF NOT EXISTS).
CREATE CONSTRAINT detection_run_id_unique IF NOT EXISTS FOR (n:DetectionRun) REQUIRE n.run_id IS UNIQUE
