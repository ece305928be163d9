-- name: activity_days
-- Requests per UTC hour of each account's UTC day (24 counts).
SELECT account_id || '|' || CAST(date_add(DATE '1970-01-01', CAST(epoch_day AS INT)) AS STRING) AS "key",
       account_id, date_add(DATE '1970-01-01', CAST(epoch_day AS INT)) AS "day", epoch_day,
       @ARRAY(CAST(sum(CASE WHEN hour = 0 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 1 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 2 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 3 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 4 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 5 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 6 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 7 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 8 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 9 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 10 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 11 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 12 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 13 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 14 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 15 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 16 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 17 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 18 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 19 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 20 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 21 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 22 THEN 1 ELSE 0 END) AS BIGINT),
       CAST(sum(CASE WHEN hour = 23 THEN 1 ELSE 0 END) AS BIGINT)) AS hours
FROM (
  SELECT account_id, CAST(floor(sec / 86400.0) AS BIGINT) AS epoch_day,
         CAST(floor((sec - CAST(floor(sec / 86400.0) AS BIGINT) * 86400) / 3600.0) AS BIGINT) AS hour
  FROM (SELECT account_id, CAST(floor(ts_us / 1000000.0) AS BIGINT) AS sec
        FROM events WHERE kind = 'request') s
) h
GROUP BY account_id, epoch_day
ORDER BY account_id, epoch_day
