// name: find_gds_procedures
// returns: one
// Which Graph Data Science community procedures this server has (none without the plugin), so
// the gds-* algorithms can fail early with a clear message.
SHOW PROCEDURES YIELD name
WHERE name IN ['gds.louvain.stream', 'gds.leiden.stream', 'gds.graph.drop']
RETURN collect(name) AS names
