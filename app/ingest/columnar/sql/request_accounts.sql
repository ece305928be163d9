-- name: request_accounts
-- Request volume per account.
SELECT account_id, count(*) AS requests,
       CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
       CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
       timestamp_micros(min(ts_us)) AS "first", timestamp_micros(max(ts_us)) AS "last"
FROM events WHERE kind = 'request'
GROUP BY account_id
ORDER BY account_id
