// name: restore_settings
// returns: none
// Put back runtime settings dumped by dump_settings (after a bulk import replaced the store).
UNWIND $rows AS props
MERGE (s:Setting {key: props.key})
SET s = props
