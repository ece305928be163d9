// name: list_account_created
// returns: rows
// Every account's sign-up time (epoch seconds; null when unknown): the population baseline of
// the creation-burst boost, for an incremental run's region walk.
MATCH (a:Account)
RETURN a.created_at.epochSeconds AS created
