// name: project_activity
// returns: rows
// Hourly request counts per account (lockstep detection): one row per account with its days as
// [epoch_day, hours] lists (24 counts, UTC), so the driver decodes lists, not a map per day.
MATCH (d:ActivityDay)
WITH d.account_id AS account_id, collect([d.epoch_day, d.hours]) AS days
RETURN account_id, days
