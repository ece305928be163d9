// name: dump_settings
// returns: rows
// Every runtime-setting node with all its properties, so an offline bulk import, which
// replaces the whole store, can put them back afterwards (like users and API tokens).
MATCH (s:Setting)
RETURN properties(s) AS props
