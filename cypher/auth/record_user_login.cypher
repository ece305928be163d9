// name: record_user_login
// returns: none
// Remember when a user last logged in (shown by `ringscope users list`).
MATCH (u:User {username: $username})
SET u.last_login = datetime()
