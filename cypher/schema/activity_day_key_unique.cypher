// name: activity_day_key_unique
// returns: none
// Uniqueness of per-account activity days (account_id|YYYY-MM-DD); idempotent (IF NOT EXISTS).
CREATE CONSTRAINT activity_day_key_unique IF NOT EXISTS FOR (n:ActivityDay) REQUIRE n.key IS UNIQUE
