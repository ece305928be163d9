// name: count_relationships
// returns: rows
// Relationship count and summed `count` property per relationship type.
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS count, sum(coalesce(r.count, 0)) AS total
ORDER BY type
