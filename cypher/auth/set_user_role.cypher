// name: set_user_role
// returns: one
// Change a user's role; sessions and tokens look the role up on every request, so it applies
// to the next request.
MATCH (u:User {username: $username})
WITH u, u.role AS previous
SET u.role = $role
RETURN previous
