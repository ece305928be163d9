// name: start_aggregate_load
// returns: one
// Begin (or find) the load of one aggregate folder. The chunk size and mode of the first attempt
// are kept, so a resumed load cuts the same chunks and skips exactly the committed ones.
MERGE (l:AggregateLoad {digest: $digest})
  ON CREATE SET l.name = $name, l.chunk_rows = $chunk_rows, l.mode = $mode, l.status = 'loading',
    l.started = datetime(), l.attempts = 0
SET l.attempts = l.attempts + 1
RETURN l.chunk_rows AS chunk_rows, l.mode AS mode, l.status AS status, l.attempts AS attempts
