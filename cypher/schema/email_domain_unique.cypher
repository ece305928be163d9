// name: email_domain_unique
// returns: none
// Uniqueness of email domains; idempotent (IF NOT EXISTS).
CREATE CONSTRAINT email_domain_unique IF NOT EXISTS FOR (n:EmailDomain) REQUIRE n.domain IS UNIQUE
