// name: set_setting
// returns: one
// Store (or with $value_json null: remove) the override of one runtime setting, noting who, when,
// why and the action; returns the override it replaced, read under the node's write lock, so the
// audit entry's old value is exact even when two admins save at once.
MERGE (s:Setting {key: $key})
SET s.locked_by = $actor
WITH s, s.value_json AS previous
SET s.value_json = $value_json, s.updated_by = $actor, s.updated_at = datetime(),
    s.reason = $reason, s.last_action = $action
REMOVE s.locked_by
RETURN previous
