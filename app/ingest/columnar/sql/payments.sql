-- name: payments
-- PAID_WITH per (account, payment method); method / bin / issuer_country: the last non-empty value.
SELECT account_id, payment_id, count(*) AS "count",
       timestamp_micros(min(ts_us)) AS "first", timestamp_micros(max(ts_us)) AS "last",
       max_by(method, ord) FILTER (WHERE method <> '') AS method,
       max_by(bin, ord) FILTER (WHERE bin <> '') AS bin,
       max_by(issuer_country, ord) FILTER (WHERE issuer_country <> '') AS issuer_country
FROM events WHERE kind = 'payment'
GROUP BY account_id, payment_id
ORDER BY account_id, payment_id
