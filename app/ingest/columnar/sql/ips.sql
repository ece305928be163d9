-- name: ips
-- Every IP a request used.
SELECT DISTINCT ip FROM events WHERE kind = 'request' AND ip IS NOT NULL ORDER BY ip
