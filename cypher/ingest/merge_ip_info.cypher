// name: merge_ip_info
// returns: none
// IP metadata (ASN, AS organisation, kind) from `ip_info` events.
UNWIND $rows AS row
MERGE (i:IP {ip: row.ip})
SET i.asn = coalesce(row.asn, i.asn),
    i.as_org = coalesce(row.as_org, i.as_org),
    i.kind = coalesce(row.kind, i.kind)
