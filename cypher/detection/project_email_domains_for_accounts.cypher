// name: project_email_domains_for_accounts
// returns: rows
// project_email_domains restricted to the domains of the given accounts (all their accounts, so
// node degrees are the same as in a full projection): an incremental run's region.
MATCH (a0:Account)-[:HAS_EMAIL_DOMAIN]->(n:EmailDomain) WHERE a0.account_id IN $account_ids
WITH DISTINCT n
WHERE COUNT { (n)<-[:HAS_EMAIL_DOMAIN]-() } >= 2
MATCH (a:Account)-[:HAS_EMAIL_DOMAIN]->(n)
RETURN a.account_id AS account_id, n.domain AS node_id, {domain: n.domain} AS attrs,
       1 AS count
