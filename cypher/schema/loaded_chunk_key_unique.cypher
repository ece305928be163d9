// name: loaded_chunk_key_unique
// returns: none
// One LoadedChunk per (aggregate folder digest, row kind, chunk index): the chunk's rows and this
// mark commit in one transaction, so a second writer of the same chunk fails instead of adding twice.
CREATE CONSTRAINT loaded_chunk_key_unique IF NOT EXISTS FOR (n:LoadedChunk) REQUIRE n.key IS UNIQUE
