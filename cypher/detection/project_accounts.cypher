// name: project_accounts
// returns: rows
// Every account with its aggregated behaviour and analyst labels, for the detection projection.
// Times as epoch seconds; labels as a list of {operator, confidence, source}.
MATCH (a:Account)
OPTIONAL MATCH (a)-[l:LABELED_AS]->(o:Operator)
WITH a, collect(CASE WHEN o IS NULL THEN null
                     ELSE {operator: o.name, confidence: l.confidence, source: l.source} END) AS labels
RETURN a.account_id AS account_id,
       a.created_at.epochSeconds AS created_at,
       coalesce(a.declared, false) AS declared,
       coalesce(a.request_count, 0) AS request_count,
       coalesce(a.input_tokens, 0) AS input_tokens,
       coalesce(a.output_tokens, 0) AS output_tokens,
       a.first_request.epochSeconds AS first_request,
       a.last_request.epochSeconds AS last_request,
       a.email_domain AS email_domain,
       a.country AS country,
       a.org AS org,
       labels,
       COUNT { (a)-[:USED_IP]->() } AS ip_count,
       COUNT { (a)-[:USED_DEVICE]->() } AS device_count,
       COUNT { (a)-[:PAID_WITH]->() } AS payment_count,
       COUNT { (a)-[:SENT]->() } AS cluster_count
