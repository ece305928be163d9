// name: list_graph_nodes
// returns: rows
// Every data node's label and properties (not the load bookkeeping, not the web app's users,
// sessions and tokens, not the runtime settings): for comparing two loads of the same data in
// tests and benchmarks. Small graphs only.
MATCH (n)
WHERE NOT n:LoadedChunk AND NOT n:AggregateLoad AND NOT n:IngestedFile
  AND NOT n:User AND NOT n:Session AND NOT n:ApiToken AND NOT n:Setting
RETURN labels(n)[0] AS label, properties(n) AS props
