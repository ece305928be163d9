// name: set_run_watermark
// returns: one
// Stamp a run, before it reads anything, with the start of the oldest open transaction ($oldest,
// ISO; null: the database's current time): the next incremental run treats accounts touched at
// or after it as changed.
MATCH (r:DetectionRun {run_id: $run_id})
SET r.watermark = CASE WHEN $oldest IS NULL THEN datetime() ELSE datetime($oldest) END
RETURN toString(r.watermark) AS watermark
