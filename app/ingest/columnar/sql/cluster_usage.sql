-- name: cluster_usage
-- SENT per (account, prompt cluster); prompt_map maps each prompt key to its cluster.
SELECT e.account_id, m.cluster_id, count(*) AS "count",
       timestamp_micros(min(e.ts_us)) AS "first", timestamp_micros(max(e.ts_us)) AS "last",
       CAST(sum(e.input_tokens) AS BIGINT) AS input_tokens,
       CAST(sum(e.output_tokens) AS BIGINT) AS output_tokens
FROM events e JOIN prompt_map m ON e.prompt_key = m.prompt_key
WHERE e.kind = 'request'
GROUP BY e.account_id, m.cluster_id
ORDER BY e.account_id, m.cluster_id
