-- name: devices
-- Devices with a user agent picked as BatchAggregator does: each (account, device) keeps its
-- last non-empty user agent; the device takes the one of the pair first seen last that has one.
SELECT device_id, max_by(pair_ua, pair_first) FILTER (WHERE pair_ua IS NOT NULL) AS user_agent
FROM (
  SELECT account_id, device_id, min(ord) AS pair_first,
         max_by(user_agent, ord) FILTER (WHERE user_agent <> '') AS pair_ua
  FROM events WHERE kind = 'request' AND device_id IS NOT NULL
  GROUP BY account_id, device_id
) p
GROUP BY device_id
ORDER BY device_id
