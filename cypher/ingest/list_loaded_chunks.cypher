// name: list_loaded_chunks
// returns: rows
// The chunks of one aggregate load already committed (key prefix = the folder's digest).
MATCH (c:LoadedChunk)
WHERE c.key STARTS WITH $digest + '|'
RETURN c.kind AS kind, c.index AS index
