// name: account_id_unique
// returns: none
// Uniqueness of account ids; idempotent (IF NOT EXISTS).
CREATE CONSTRAINT account_id_unique IF NOT EXISTS FOR (n:Account) REQUIRE n.account_id IS UNIQUE
