// name: list_rings_page
// returns: one
// One page of a run's rings, filtered, sorted and paged in the database: total and flagged counts
// of the filtered set plus the rows of the page. Filters are optional ($x IS NULL = no filter).
// $sort is one of score, size, confidence, ring_id, operator (checked against an allow-list by
// the caller and only compared here, never formatted in); $descending picks the direction.
MATCH (g:Ring)-[f:FOUND_IN]->(:DetectionRun {run_id: $run_id})
OPTIONAL MATCH (g)-[t:ATTRIBUTED_TO {run: $run_id}]->(o:Operator)
WITH g, f, t, o
WHERE ($flagged IS NULL OR f.flagged = $flagged)
  AND ($min_score IS NULL OR f.score >= $min_score)
  AND ($max_score IS NULL OR f.score <= $max_score)
  AND ($min_size IS NULL OR f.size >= $min_size)
  AND ($max_size IS NULL OR f.size <= $max_size)
  AND ($attributed IS NULL OR (o IS NOT NULL) = $attributed)
  AND ($operator IS NULL OR toLower(coalesce(o.name, '')) CONTAINS toLower($operator))
  AND ($signal IS NULL OR coalesce(f.signals, '') CONTAINS ('"' + $signal + '"'))
  AND ($ring IS NULL OR toLower(g.ring_id) CONTAINS toLower($ring))
WITH g, f, t, o,
     CASE $sort
       WHEN 'score' THEN toFloat(f.score)
       WHEN 'size' THEN toFloat(f.size)
       WHEN 'confidence' THEN coalesce(toFloat(t.confidence), -1.0)
     END AS number_key,
     CASE $sort
       WHEN 'ring_id' THEN g.ring_id
       WHEN 'operator' THEN coalesce(toLower(o.name), '')
     END AS text_key
ORDER BY
  CASE WHEN $descending THEN number_key END DESC,
  CASE WHEN $descending THEN text_key END DESC,
  CASE WHEN NOT $descending THEN number_key END ASC,
  CASE WHEN NOT $descending THEN text_key END ASC,
  f.score DESC, g.ring_id ASC
WITH collect({ring_id: g.ring_id, score: f.score, flagged: f.flagged, size: f.size,
              signals: f.signals, operator: o.name, confidence: t.confidence}) AS rows
RETURN size(rows) AS total, size([row IN rows WHERE row.flagged]) AS flagged,
       rows[$skip..$skip + $limit] AS rings
