// name: project_email_domains
// returns: rows
// Account→EmailDomain attachments for domains shared by two or more accounts, one row per domain
// with its accounts and a count of 1 each (the relationship has no count).
MATCH (n:EmailDomain)
WHERE COUNT { (n)<-[:HAS_EMAIL_DOMAIN]-() } >= 2
CALL (n) {
  MATCH (a:Account)-[:HAS_EMAIL_DOMAIN]->(n)
  RETURN collect(a.account_id) AS accounts
}
RETURN n.domain AS node_id, {domain: n.domain} AS attrs, accounts, [x IN accounts | 1] AS counts
