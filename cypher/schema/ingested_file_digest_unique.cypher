// name: ingested_file_digest_unique
// returns: none
// One IngestedFile per file content digest: it records how many lines are committed, which makes
// re-ingesting a file (or resuming an interrupted ingest) add nothing twice.
CREATE CONSTRAINT ingested_file_digest_unique IF NOT EXISTS FOR (n:IngestedFile) REQUIRE n.digest IS UNIQUE
