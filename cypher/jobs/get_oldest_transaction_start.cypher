// name: get_oldest_transaction_start
// returns: one
// Start time of the oldest open transaction (this one included, so never later than now). An
// ingest transaction stamps touched_at with its start time and may commit after a run read the
// graph: a run's watermark is this time, so such writes count as changes for the next run.
SHOW TRANSACTIONS YIELD startTime
RETURN min(startTime) AS oldest
