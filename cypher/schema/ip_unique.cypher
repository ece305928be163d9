// name: ip_unique
// returns: none
// Uniqueness of IP addresses; idempotent (IF NOT EXISTS).
CREATE CONSTRAINT ip_unique IF NOT EXISTS FOR (n:IP) REQUIRE n.ip IS UNIQUE
