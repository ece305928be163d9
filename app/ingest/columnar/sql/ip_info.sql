-- name: ip_info
-- IP metadata: the last `ip_info` event of each IP wins, whole row.
SELECT ip, asn, as_org, ip_kind AS kind
FROM (
  SELECT *, row_number() OVER (PARTITION BY ip ORDER BY ord DESC) AS rn
  FROM events WHERE kind = 'ip_info'
) t
WHERE rn = 1
ORDER BY ip
