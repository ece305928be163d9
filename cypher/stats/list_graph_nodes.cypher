// name: list_graph_nodes
// returns: rows
// Every data node's label and properties (not the load bookkeeping): for comparing two loads of the
// same data in tests and benchmarks. Small graphs only.
MATCH (n)
WHERE NOT n:LoadedChunk AND NOT n:AggregateLoad AND NOT n:IngestedFile
RETURN labels(n)[0] AS label, properties(n) AS props
