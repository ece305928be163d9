// name: job_lock_name_unique
// returns: none
// Uniqueness of job locks, so two schedulers racing to create the same lock get one node;
// idempotent (IF NOT EXISTS). Applied by the jobs layer before it first takes a lock.
CREATE CONSTRAINT job_lock_name_unique IF NOT EXISTS FOR (n:JobLock) REQUIRE n.name IS UNIQUE
