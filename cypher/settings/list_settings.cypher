// name: list_settings
// returns: rows
// Every stored runtime setting: its override (JSON text; null after a reset to the default) and
// who last changed it, when, why and how (set / reset).
MATCH (s:Setting)
RETURN s.key AS key, s.value_json AS value_json, s.updated_by AS updated_by,
       toString(s.updated_at) AS updated_at, s.reason AS reason, s.last_action AS last_action
ORDER BY key
