// name: merge_accounts
// returns: none
// Declared accounts (from `account` events): identity fields and e-mail domain (never the raw e-mail).
// touched_at (transaction time) marks accounts changed since a detection run (incremental runs).
UNWIND $rows AS row
MERGE (a:Account {account_id: row.account_id})
SET a.declared = true, a.touched_at = datetime(),
    a.created_at = coalesce(row.created_at, a.created_at),
    a.email_domain = coalesce(row.email_domain, a.email_domain),
    a.email_hash = coalesce(row.email_hash, a.email_hash),
    a.country = coalesce(row.country, a.country),
    a.org = coalesce(row.org, a.org)
WITH a, row WHERE row.email_domain IS NOT NULL
MERGE (d:EmailDomain {domain: row.email_domain})
MERGE (a)-[:HAS_EMAIL_DOMAIN]->(d)
