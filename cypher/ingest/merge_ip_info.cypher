// name: merge_ip_info
// returns: none
// IP metadata (ASN, AS organisation, kind) from `ip_info` events. touched_at (transaction time)
// marks an IP whose metadata changed: its weight changes for all its accounts, so incremental
// detection runs treat them as changed.
UNWIND $rows AS row
MERGE (i:IP {ip: row.ip})
WITH i, row, coalesce(toString(i.asn), '') + '|' + coalesce(i.as_org, '') + '|' + coalesce(i.kind, '') AS before
SET i.asn = coalesce(row.asn, i.asn),
    i.as_org = coalesce(row.as_org, i.as_org),
    i.kind = coalesce(row.kind, i.kind)
SET i.touched_at = CASE
      WHEN before <> coalesce(toString(i.asn), '') + '|' + coalesce(i.as_org, '') + '|' + coalesce(i.kind, '')
      THEN datetime() ELSE i.touched_at END
