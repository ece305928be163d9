// name: create_user
// returns: one
// A new web-app user (fails on the username constraint if it exists). Only the argon2id hash
// of the password is stored.
CREATE (u:User {username: $username, password_hash: $password_hash, role: $role,
                created_at: datetime()})
RETURN u.username AS username
