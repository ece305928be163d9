// name: project_hour_profile
// returns: rows
// The population's hourly rhythm without reading every account's activity: for each epoch hour
// with traffic, how many accounts were active in it. Lockstep is measured against this rhythm,
// so an incremental run that reads only part of the activity still uses the whole population's.
MATCH (d:ActivityDay)
UNWIND range(0, 23) AS h
WITH d.epoch_day * 24 + h AS hour, d.hours[h] AS requests
WHERE requests > 0
RETURN hour, count(*) AS accounts
ORDER BY hour
