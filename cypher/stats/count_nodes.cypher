// name: count_nodes
// returns: rows
// Node count per label (one row per label present).
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS count
ORDER BY label
