// name: list_ring_members
// returns: rows
// The member accounts of a ring in one run with their profile, volume, analyst labels and how
// many IPs / devices / payment methods / prompt clusters each uses. Times as epoch seconds.
MATCH (:Ring {ring_id: $ring_id})<-[:MEMBER_OF {run: $run_id}]-(a:Account)
OPTIONAL MATCH (a)-[l:LABELED_AS]->(o:Operator)
WITH a, collect(CASE WHEN o IS NULL THEN null
                     ELSE {operator: o.name, confidence: l.confidence, source: l.source} END) AS labels
RETURN a.account_id AS account_id, coalesce(a.declared, false) AS declared,
       a.created_at.epochSeconds AS created_at, a.email_domain AS email_domain,
       a.email_hash AS email_hash, a.country AS country, a.org AS org,
       coalesce(a.request_count, 0) AS request_count,
       coalesce(a.input_tokens, 0) AS input_tokens, coalesce(a.output_tokens, 0) AS output_tokens,
       a.first_request.epochSeconds AS first_request, a.last_request.epochSeconds AS last_request,
       labels,
       COUNT { (a)-[:USED_IP]->() } AS ip_count,
       COUNT { (a)-[:USED_DEVICE]->() } AS device_count,
       COUNT { (a)-[:PAID_WITH]->() } AS payment_count,
       COUNT { (a)-[:SENT]->() } AS cluster_count
ORDER BY account_id
