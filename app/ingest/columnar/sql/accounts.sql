-- name: accounts
-- Declared accounts: the last `account` event of each account wins, whole row (as one
-- BatchAggregator fed every line in order).
SELECT account_id, timestamp_micros(created_us) AS created_at, email_domain, email_hash, country, org
FROM (
  SELECT *, row_number() OVER (PARTITION BY account_id ORDER BY ord DESC) AS rn
  FROM events WHERE kind = 'account'
) t
WHERE rn = 1
ORDER BY account_id
