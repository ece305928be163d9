// name: project_activity_for_accounts
// returns: rows
// Hourly request counts per day of the given accounts only (an incremental run's region).
MATCH (d:ActivityDay) WHERE d.account_id IN $account_ids
RETURN d.account_id AS account_id, d.epoch_day AS day, d.hours AS hours
