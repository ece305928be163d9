-- name: cluster_requests
-- Requests per prompt cluster.
SELECT m.cluster_id, count(*) AS "count"
FROM events e JOIN prompt_map m ON e.prompt_key = m.prompt_key
WHERE e.kind = 'request'
GROUP BY m.cluster_id
ORDER BY m.cluster_id
