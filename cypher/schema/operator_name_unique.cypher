// name: operator_name_unique
// returns: none
// Uniqueness of operator names; idempotent (IF NOT EXISTS).
CREATE CONSTRAINT operator_name_unique IF NOT EXISTS FOR (n:Operator) REQUIRE n.name IS UNIQUE
