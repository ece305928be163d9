// name: setting_key_unique
// returns: none
// One Setting node per runtime-setting key, so two admins saving at once update one node;
// idempotent (IF NOT EXISTS). Created with the rest of the schema, and again by the settings
// layer before it writes (a web app may write settings before anything applied the schema).
CREATE CONSTRAINT setting_key_unique IF NOT EXISTS FOR (n:Setting) REQUIRE n.key IS UNIQUE
