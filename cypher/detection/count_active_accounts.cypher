// name: count_active_accounts
// returns: one
// Accounts with at least one request hour recorded (the denominator of the hourly rhythm).
MATCH (d:ActivityDay)
WHERE any(c IN d.hours WHERE c > 0)
RETURN count(DISTINCT d.account_id) AS accounts
