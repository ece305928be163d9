// name: user_username_unique
// returns: none
// One web-app user per username (app/auth).
CREATE CONSTRAINT user_username_unique IF NOT EXISTS
FOR (u:User) REQUIRE u.username IS UNIQUE
