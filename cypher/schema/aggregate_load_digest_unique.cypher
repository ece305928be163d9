// name: aggregate_load_digest_unique
// returns: none
// One AggregateLoad per aggregate folder (its manifest digest): chunk size, mode and status of the load.
CREATE CONSTRAINT aggregate_load_digest_unique IF NOT EXISTS FOR (n:AggregateLoad) REQUIRE n.digest IS UNIQUE
