-- name: labels
-- Analyst labels: the last `label` event of each (account, operator) wins.
SELECT account_id, operator, source, confidence
FROM (
  SELECT *, row_number() OVER (PARTITION BY account_id, operator ORDER BY ord DESC) AS rn
  FROM events WHERE kind = 'label'
) t
WHERE rn = 1
ORDER BY account_id, operator
