-- name: device_usage
-- USED_DEVICE per (account, device).
SELECT account_id, device_id, count(*) AS "count",
       timestamp_micros(min(ts_us)) AS "first", timestamp_micros(max(ts_us)) AS "last"
FROM events WHERE kind = 'request' AND device_id IS NOT NULL
GROUP BY account_id, device_id
ORDER BY account_id, device_id
