// name: merge_activity_days
// returns: none
// Requests per hour of one account's day (24 counts), summed across batches: lockstep detection reads these.
UNWIND $rows AS row
MERGE (d:ActivityDay {key: row.key})
  ON CREATE SET d.account_id = row.account_id, d.day = row.day, d.epoch_day = row.epoch_day, d.hours = [h IN range(0, 23) | 0]
SET d.hours = [h IN range(0, 23) | d.hours[h] + row.hours[h]]
