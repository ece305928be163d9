// name: project_activity
// returns: rows
// Hourly request counts per account and day (lockstep detection): the day as epoch days.
MATCH (d:ActivityDay)
RETURN d.account_id AS account_id, d.epoch_day AS day, d.hours AS hours
