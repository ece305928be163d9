// name: claim_load_chunk
// returns: none
// Mark one chunk of an aggregate load as written, in the chunk's own transaction. The key is unique
// (loaded_chunk_key_unique): if another writer committed the chunk meanwhile this CREATE fails and
// the chunk's rows roll back with it.
CREATE (:LoadedChunk {key: $digest + '|' + $kind + '|' + toString($index), kind: $kind, index: $index,
                      rows: $rows, loaded_at: datetime()})
