// name: get_file_progress
// returns: one
// How many lines of a file (by content digest) are already committed; 0 for a new file.
OPTIONAL MATCH (f:IngestedFile {digest: $digest})
RETURN coalesce(f.lines_committed, 0) AS lines_committed
