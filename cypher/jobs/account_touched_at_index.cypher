// name: account_touched_at_index
// returns: none
// Range index on Account.touched_at (set by every ingest write that changes an account): an
// incremental detection run finds the accounts changed since the previous run with it.
CREATE RANGE INDEX account_touched_at IF NOT EXISTS FOR (a:Account) ON (a.touched_at)
