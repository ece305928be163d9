// name: search_entities
// returns: rows
// Search by account id, IP, payment id, device id or ring id (prefix, through the unique
// indexes), operator name (case-insensitive fragment) and prompt text (case-insensitive fragment
// of a prompt cluster's sample, only for $q of 3+ characters). At most $limit hits per kind;
// `exact` marks a key equal to $q.
CALL () {
  MATCH (n:Account) WHERE n.account_id STARTS WITH $q
  RETURN 'Account' AS kind, n.account_id AS key, coalesce(n.email_domain, '') AS detail
  ORDER BY key LIMIT $limit
  UNION ALL
  MATCH (n:IP) WHERE n.ip STARTS WITH $q
  RETURN 'IP' AS kind, n.ip AS key, coalesce(n.kind, '') + ' ' + coalesce(n.as_org, '') AS detail
  ORDER BY key LIMIT $limit
  UNION ALL
  MATCH (n:PaymentMethod) WHERE n.payment_id STARTS WITH $q
  RETURN 'PaymentMethod' AS kind, n.payment_id AS key,
         coalesce(n.method, '') + ' ' + coalesce(n.bin, '') AS detail
  ORDER BY key LIMIT $limit
  UNION ALL
  MATCH (n:Device) WHERE n.device_id STARTS WITH $q
  RETURN 'Device' AS kind, n.device_id AS key, coalesce(n.user_agent, '') AS detail
  ORDER BY key LIMIT $limit
  UNION ALL
  MATCH (n:Operator) WHERE toLower(n.name) CONTAINS toLower($q)
  RETURN 'Operator' AS kind, n.name AS key, '' AS detail
  ORDER BY key LIMIT $limit
  UNION ALL
  MATCH (n:PromptCluster)
  WHERE n.cluster_id STARTS WITH $q
     OR (size($q) >= 3 AND toLower(coalesce(n.sample, '')) CONTAINS toLower($q))
  RETURN 'PromptCluster' AS kind, n.cluster_id AS key, coalesce(n.sample, '') AS detail
  ORDER BY key LIMIT $limit
  UNION ALL
  MATCH (n:Ring) WHERE n.ring_id STARTS WITH $q
  RETURN 'Ring' AS kind, n.ring_id AS key, coalesce(n.last_run, '') AS detail
  ORDER BY key LIMIT $limit
}
RETURN kind, key, detail, key = $q AS exact
