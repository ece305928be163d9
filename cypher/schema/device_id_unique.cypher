// name: device_id_unique
// returns: none
// Uniqueness of device ids; idempotent (IF NOT EXISTS).
CREATE CONSTRAINT device_id_unique IF NOT EXISTS FOR (n:Device) REQUIRE n.device_id IS UNIQUE
