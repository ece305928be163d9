// name: stream_louvain_edges
// returns: one
// Graph Data Science route (optional, needs the GDS plugin): Louvain on one weighted edge list
// computed by app/detection (one connected component of the evidence graph, integer vertex ids).
// Projects it into the GDS catalog under $graph_name (undirected, property `weight`), streams
// gds.louvain and drops the graph again in the same query, so one round trip per component.
// Returns the [vertex, community] pairs.
UNWIND $edges AS e
WITH gds.graph.project($graph_name, e[0], e[1],
       {relationshipProperties: {weight: e[2]}},
       {undirectedRelationshipTypes: ['*']}) AS g
CALL gds.louvain.stream(g.graphName, {
  relationshipWeightProperty: 'weight',
  concurrency: $concurrency,
  maxLevels: $max_levels,
  tolerance: $tolerance
}) YIELD nodeId, communityId
WITH g.graphName AS name, collect([nodeId, communityId]) AS labels
CALL gds.graph.drop(name) YIELD graphName
RETURN labels
