// name: list_constraints
// returns: rows
// The schema's constraints and indexes, for `ringscope neo4j status` and tests.
SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type
RETURN name, labelsOrTypes AS labels, properties, type
ORDER BY name
