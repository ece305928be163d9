// name: project_email_domains
// returns: rows
// Account→EmailDomain attachments for domains shared by two or more accounts, one row per domain
// with its links as [account_id, count, first_seen, last_seen] lists (no count or times: 1, null).
MATCH (n:EmailDomain)
WHERE COUNT { (n)<-[:HAS_EMAIL_DOMAIN]-() } >= 2
MATCH (a:Account)-[:HAS_EMAIL_DOMAIN]->(n)
WITH n, collect([a.account_id, 1, null, null]) AS links
RETURN n.domain AS node_id, {domain: n.domain} AS attrs, links
