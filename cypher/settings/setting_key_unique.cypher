// name: setting_key_unique
// returns: none
// One Setting node per runtime-setting key, so two admins saving at once update one node;
// idempotent (IF NOT EXISTS). Applied by the settings layer before it first writes.
CREATE CONSTRAINT setting_key_unique IF NOT EXISTS FOR (n:Setting) REQUIRE n.key IS UNIQUE
