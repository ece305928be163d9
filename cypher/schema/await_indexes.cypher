// name: await_indexes
// returns: none
// Wait until every index is online (after a bulk import the constraints' indexes are built over
// the imported data; loads and detection must not start before they are usable).
CALL db.awaitIndexes(600)
