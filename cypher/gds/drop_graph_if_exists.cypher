// name: drop_graph_if_exists
// returns: none
// Graph Data Science route: removes a projected graph left in the GDS catalog by a failed
// stream_*_edges call (no error when it is not there).
CALL gds.graph.drop($graph_name, false) YIELD graphName
RETURN graphName
