// name: payment_id_unique
// returns: none
// Uniqueness of payment method ids; idempotent (IF NOT EXISTS).
CREATE CONSTRAINT payment_id_unique IF NOT EXISTS FOR (n:PaymentMethod) REQUIRE n.payment_id IS UNIQUE
