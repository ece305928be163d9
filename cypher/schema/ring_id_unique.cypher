// name: ring_id_unique
// returns: none
// Uniqueness of rings; idempotent (IF NOT EXISTS).
CREATE CONSTRAINT ring_id_unique IF NOT EXISTS FOR (n:Ring) REQUIRE n.ring_id IS UNIQUE
