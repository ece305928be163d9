-- name: parse
-- Typed events from one relation of raw lines (the shared fast path of both engines).
-- Input `j`: file_idx, line_no, line, json_ok (a JSON object that the engine's parser read as
-- orjson would), and per field F: t_F (kind: s string, i integer, f other number, b boolean,
-- n null, m missing, o object/array) and s_F (the value as text), built by the engine's shim
-- (shim.py). A line gets fast_ok only when it is certain that app/ingest/events.py accepts it
-- with exactly these values; every other line goes to the Python validator (slow path), which
-- either accepts it or quarantines it with the reason.
WITH g AS (
  SELECT *,
    file_idx * 1099511627776 + line_no AS ord,
    -- json_ok already excludes the parser leniencies orjson refuses (shim.py); a BOM
    -- or other text before the "{" takes the slow path here.
    coalesce(json_ok
      AND octet_length(line) < 4194304
      AND regexp_like(line, '^[ \t\r]*\{')
      AND t_type = 's', false) AS shape_ok,
    CASE WHEN s_type = 'account' THEN t_created_at ELSE t_ts END AS t_when,
    CASE WHEN s_type = 'account' THEN s_created_at ELSE s_ts END AS s_when
  FROM j
), w AS (
  SELECT *,
    coalesce(t_when = 's' AND regexp_like(s_when,
      '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})\z'),
      false) AS when_shape
  FROM g
), w2 AS (
  SELECT *,
    CASE WHEN when_shape THEN try_cast(substring(s_when, 1, 4) AS BIGINT) END AS y,
    CASE WHEN when_shape THEN try_cast(substring(s_when, 6, 2) AS BIGINT) END AS mo,
    CASE WHEN when_shape THEN try_cast(substring(s_when, 9, 2) AS BIGINT) END AS d,
    CASE WHEN when_shape THEN try_cast(substring(s_when, 12, 2) AS BIGINT) END AS hh,
    CASE WHEN when_shape THEN try_cast(substring(s_when, 15, 2) AS BIGINT) END AS mi,
    CASE WHEN when_shape THEN try_cast(substring(s_when, 18, 2) AS BIGINT) END AS ss,
    CASE WHEN when_shape THEN regexp_extract(s_when, '\.([0-9]+)', 1) END AS frac,
    CASE WHEN when_shape THEN regexp_extract(s_when, '(Z|[+-][0-9]{2}:[0-9]{2})\z', 1) END AS zone
  FROM w
), w3 AS (
  SELECT *,
    coalesce(when_shape AND y BETWEEN 1971 AND 9998 AND mo BETWEEN 1 AND 12 AND d >= 1
      AND d <= CASE WHEN mo IN (1, 3, 5, 7, 8, 10, 12) THEN 31 WHEN mo IN (4, 6, 9, 11) THEN 30
                    WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END
      AND hh <= 23 AND mi <= 59 AND ss <= 59
      AND (zone = 'Z' OR (try_cast(substring(zone, 2, 2) AS BIGINT) <= 23
                          AND try_cast(substring(zone, 5, 2) AS BIGINT) <= 59)), false) AS when_ok,
    y - CASE WHEN mo <= 2 THEN 1 ELSE 0 END AS yy,
    CASE WHEN mo > 2 THEN mo - 3 ELSE mo + 9 END AS mp
  FROM w2
), w4 AS (
  -- Days from the civil date (H. Hinnant's algorithm), integer-exact in both dialects.
  SELECT *,
    CAST(floor(yy / 400.0) AS BIGINT) AS era
  FROM w3
), w5 AS (
  SELECT *,
    CASE WHEN when_ok THEN
      (era * 146097
       + (yy - era * 400) * 365 + CAST(floor((yy - era * 400) / 4.0) AS BIGINT)
       - CAST(floor((yy - era * 400) / 100.0) AS BIGINT)
       + CAST(floor((153 * mp + 2) / 5.0) AS BIGINT) + d - 1
       - 719468) * 86400 + hh * 3600 + mi * 60 + ss
      - CASE WHEN zone = 'Z' THEN 0 ELSE
          (CASE WHEN substring(zone, 1, 1) = '-' THEN -1 ELSE 1 END)
          * (try_cast(substring(zone, 2, 2) AS BIGINT) * 3600
             + try_cast(substring(zone, 5, 2) AS BIGINT) * 60) END
    END AS when_sec
  FROM w4
), v AS (
  SELECT *,
    when_sec * 1000000 + CASE WHEN frac = '' OR frac IS NULL THEN 0
                              ELSE try_cast(rpad(frac, 6, '0') AS BIGINT) END AS when_us,
    -- ids: a string of at most 256 bytes with a letter or digit (so never blank after strip())
    coalesce(t_account_id = 's' AND octet_length(s_account_id) <= 256
             AND regexp_like(s_account_id, '[0-9A-Za-z]'), false) AS account_ok,
    coalesce(t_payment_id = 's' AND octet_length(s_payment_id) <= 256
             AND regexp_like(s_payment_id, '[0-9A-Za-z]'), false) AS payment_ok,
    coalesce(t_operator = 's' AND octet_length(s_operator) <= 256
             AND regexp_like(s_operator, '[0-9A-Za-z]'), false) AS operator_ok,
    coalesce(t_device_id IN ('m', 'n') OR (t_device_id = 's' AND octet_length(s_device_id) <= 256
             AND regexp_like(s_device_id, '[0-9A-Za-z]')), false) AS device_ok,
    -- IPv4 in canonical form only (anything else is canonicalised by the slow path)
    coalesce(t_ip = 's' AND regexp_like(s_ip,
      '^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\z'),
      false) AS ip_canonical,
    coalesce(t_input_tokens IN ('m', 'n') OR (t_input_tokens = 'i'
             AND try_cast(s_input_tokens AS BIGINT) BETWEEN 0 AND 1000000000), false) AS in_ok,
    coalesce(t_output_tokens IN ('m', 'n') OR (t_output_tokens = 'i'
             AND try_cast(s_output_tokens AS BIGINT) BETWEEN 0 AND 1000000000), false) AS out_ok,
    coalesce(t_user_agent IN ('m', 'n') OR (t_user_agent = 's' AND octet_length(s_user_agent) <= 1000), false) AS ua_ok,
    coalesce(t_prompt IN ('m', 'n') OR (t_prompt = 's' AND octet_length(s_prompt) <= 200000), false) AS prompt_ok,
    coalesce(t_model IN ('m', 'n') OR (t_model = 's' AND octet_length(s_model) <= 200), false) AS model_ok,
    coalesce(t_method IN ('m', 'n') OR (t_method = 's'
             AND s_method IN ('card', 'wallet', 'crypto', 'invoice', 'other')), false) AS method_ok,
    coalesce(t_bin IN ('m', 'n') OR (t_bin = 's' AND octet_length(s_bin) <= 12), false) AS bin_ok,
    coalesce(t_issuer_country IN ('m', 'n') OR (t_issuer_country = 's' AND octet_length(s_issuer_country) <= 8), false) AS issuer_ok,
    coalesce(t_asn IN ('m', 'n') OR (t_asn = 'i'
             AND try_cast(s_asn AS BIGINT) BETWEEN 0 AND 4294967295), false) AS asn_ok,
    coalesce(t_as_org IN ('m', 'n') OR (t_as_org = 's' AND octet_length(s_as_org) <= 200), false) AS as_org_ok,
    coalesce(t_kind IN ('m', 'n') OR (t_kind = 's' AND s_kind IN ('residential', 'mobile', 'hosting',
             'vpn', 'proxy', 'education', 'corporate', 'unknown')), false) AS kind_ok,
    coalesce(t_confidence = 'm' OR (t_confidence IN ('i', 'f')
             AND try_cast(s_confidence AS DOUBLE) BETWEEN 0 AND 1), false) AS confidence_ok,
    coalesce(t_source IN ('m', 'n') OR (t_source = 's' AND octet_length(s_source) <= 200), false) AS source_ok,
    -- e-mails are hashed here only when printable ASCII (Python's strip() and lower() agree)
    coalesce(t_email IN ('m', 'n') OR (t_email = 's' AND octet_length(s_email) <= 320
             AND (s_email = '' OR regexp_like(s_email, '^[!-~]+\z'))), false) AS email_ok,
    coalesce(t_country IN ('m', 'n') OR (t_country = 's' AND octet_length(s_country) <= 8), false) AS country_ok,
    coalesce(t_org IN ('m', 'n') OR (t_org = 's' AND octet_length(s_org) <= 200), false) AS org_ok,
    CASE WHEN t_email = 's' AND s_email <> '' THEN regexp_extract(s_email, '^(.*)@([^@]*)\z', 1) END AS email_local,
    CASE WHEN t_email = 's' AND s_email <> '' THEN regexp_extract(s_email, '^(.*)@([^@]*)\z', 2) END AS email_dom
  FROM w5
)
SELECT
  file_idx, line_no, ord, line,
  shape_ok AND CASE s_type
    WHEN 'request' THEN account_ok AND when_ok AND (t_ip IN ('m', 'n') OR ip_canonical) AND device_ok
                        AND ua_ok AND prompt_ok AND model_ok AND in_ok AND out_ok
    WHEN 'account' THEN account_ok AND (t_created_at IN ('m', 'n') OR when_ok) AND email_ok
                        AND country_ok AND org_ok
    WHEN 'payment' THEN account_ok AND when_ok AND payment_ok AND method_ok AND bin_ok AND issuer_ok
    WHEN 'ip_info' THEN asn_ok AND ip_canonical AND as_org_ok AND kind_ok
    WHEN 'label' THEN confidence_ok AND account_ok AND operator_ok AND source_ok
    ELSE false END AS fast_ok,
  s_type AS kind,
  CASE WHEN s_type = 'ip_info' THEN NULL ELSE s_account_id END AS account_id,
  CASE WHEN s_type IN ('request', 'payment') THEN when_us END AS ts_us,
  CASE WHEN s_type IN ('request', 'ip_info') THEN s_ip END AS ip,
  CASE WHEN s_type = 'request' THEN s_device_id END AS device_id,
  CASE WHEN s_type = 'request' THEN s_user_agent END AS user_agent,
  CASE WHEN s_type = 'request' THEN s_prompt END AS prompt,
  CASE WHEN s_type = 'request' AND s_prompt <> '' THEN md5(replace(replace(replace(replace(replace(replace(replace(replace(replace(s_prompt, '1', '0'), '2', '0'), '3', '0'), '4', '0'), '5', '0'), '6', '0'), '7', '0'), '8', '0'), '9', '0')) END AS prompt_key,
  CASE WHEN s_type = 'request' THEN coalesce(try_cast(s_input_tokens AS BIGINT), 0) END AS input_tokens,
  CASE WHEN s_type = 'request' THEN coalesce(try_cast(s_output_tokens AS BIGINT), 0) END AS output_tokens,
  CASE WHEN s_type = 'payment' THEN s_payment_id END AS payment_id,
  CASE WHEN s_type = 'payment' THEN s_method END AS method,
  CASE WHEN s_type = 'payment' THEN s_bin END AS bin,
  CASE WHEN s_type = 'payment' THEN s_issuer_country END AS issuer_country,
  CASE WHEN s_type = 'ip_info' THEN try_cast(s_asn AS BIGINT) END AS asn,
  CASE WHEN s_type = 'ip_info' THEN s_as_org END AS as_org,
  CASE WHEN s_type = 'ip_info' THEN s_kind END AS ip_kind,
  CASE WHEN s_type = 'label' THEN s_operator END AS operator,
  CASE WHEN s_type = 'label' THEN CASE WHEN s_source IS NULL OR s_source = '' THEN 'unspecified' ELSE s_source END END AS source,
  CASE WHEN s_type = 'label' THEN coalesce(try_cast(s_confidence AS DOUBLE), 1.0) END AS confidence,
  CASE WHEN s_type = 'account' THEN when_us END AS created_us,
  CASE WHEN s_type = 'account' AND email_local <> '' AND email_dom <> '' THEN lower(email_dom) END AS email_domain,
  CASE WHEN s_type <> 'account' OR t_email <> 's' OR s_email = '' THEN NULL
       WHEN email_local <> '' AND email_dom <> ''
         THEN substring(sha2((SELECT salt FROM params) || lower(email_local), 256), 1, 24)
       ELSE substring(sha2((SELECT salt FROM params) || s_email, 256), 1, 24) END AS email_hash,
  CASE WHEN s_type = 'account' THEN s_country END AS country,
  CASE WHEN s_type = 'account' THEN s_org END AS org
FROM v
