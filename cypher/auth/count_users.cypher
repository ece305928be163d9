// name: count_users
// returns: one
// How many users exist (`ringscope serve` hints at creating the first admin when there are none).
MATCH (u:User)
RETURN count(u) AS users
