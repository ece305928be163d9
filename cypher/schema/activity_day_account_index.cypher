// name: activity_day_account_index
// returns: none
// Lookup of an account's activity days (lockstep detection reads them per account).
CREATE INDEX activity_day_account_index IF NOT EXISTS FOR (n:ActivityDay) ON (n.account_id)
