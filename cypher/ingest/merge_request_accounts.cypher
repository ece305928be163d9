// name: merge_request_accounts
// returns: none
// Request volume per account; an account first seen in a request is created with declared=false.
// touched_at (transaction time) marks accounts changed since a detection run (incremental runs).
UNWIND $rows AS row
MERGE (a:Account {account_id: row.account_id})
  ON CREATE SET a.declared = false
SET a.touched_at = datetime(),
    a.request_count = coalesce(a.request_count, 0) + row.requests,
    a.input_tokens = coalesce(a.input_tokens, 0) + row.input_tokens,
    a.output_tokens = coalesce(a.output_tokens, 0) + row.output_tokens,
    a.first_request = CASE WHEN a.first_request IS NULL OR row.first < a.first_request
                           THEN row.first ELSE a.first_request END,
    a.last_request = CASE WHEN a.last_request IS NULL OR row.last > a.last_request
                          THEN row.last ELSE a.last_request END
