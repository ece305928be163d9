// name: stream_leiden_edges
// returns: one
// Graph Data Science route (optional, needs the GDS plugin): Leiden (modularity objective with
// resolution $gamma, seeded with $seed) on one weighted edge list computed by app/detection, as
// stream_louvain_edges: project under $graph_name, stream, drop; [vertex, community] pairs.
UNWIND $edges AS e
WITH gds.graph.project($graph_name, e[0], e[1],
       {relationshipProperties: {weight: e[2]}},
       {undirectedRelationshipTypes: ['*']}) AS g
CALL gds.leiden.stream(g.graphName, {
  relationshipWeightProperty: 'weight',
  concurrency: $concurrency,
  gamma: $gamma,
  randomSeed: $seed,
  maxLevels: $max_levels,
  tolerance: $tolerance
}) YIELD nodeId, communityId
WITH g.graphName AS name, collect([nodeId, communityId]) AS labels
CALL gds.graph.drop(name) YIELD graphName
RETURN labels
