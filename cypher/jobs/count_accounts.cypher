// name: count_accounts
// returns: one
// Number of accounts (the population an incremental run's region is compared with).
RETURN COUNT { (:Account) } AS accounts
