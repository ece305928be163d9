// name: project_email_domains
// returns: rows
// Account→EmailDomain attachments for domains shared by two or more accounts.
MATCH (n:EmailDomain)
WHERE COUNT { (n)<-[:HAS_EMAIL_DOMAIN]-(:Account) } >= 2
MATCH (a:Account)-[:HAS_EMAIL_DOMAIN]->(n)
RETURN a.account_id AS account_id, n.domain AS node_id, {domain: n.domain} AS attrs,
       1 AS count, null AS first_seen, null AS last_seen
