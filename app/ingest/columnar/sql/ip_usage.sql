-- name: ip_usage
-- USED_IP per (account, ip).
SELECT account_id, ip, count(*) AS "count",
       timestamp_micros(min(ts_us)) AS "first", timestamp_micros(max(ts_us)) AS "last"
FROM events WHERE kind = 'request' AND ip IS NOT NULL
GROUP BY account_id, ip
ORDER BY account_id, ip
