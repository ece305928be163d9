// name: set_user_password_hash
// returns: one
// Store a new password hash (password change, or argon2 parameters upgraded at login).
MATCH (u:User {username: $username})
SET u.password_hash = $password_hash
RETURN u.username AS username
