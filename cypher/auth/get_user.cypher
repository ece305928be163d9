// name: get_user
// returns: one
// A user with the password hash, for login.
MATCH (u:User {username: $username})
RETURN u.username AS username, u.password_hash AS password_hash, u.role AS role
