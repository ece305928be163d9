// name: merge_prompt_clusters
// returns: none
// New or changed prompt clusters with the state the clusterer needs to reload them next run
// (the MinHash signature as little-endian uint32 bytes: a tenth of the size of a list of longs).
// touched_at (transaction time) marks a cluster whose extraction flag flipped (its weight changes
// for every account using it), for incremental detection runs.
UNWIND $rows AS row
MERGE (c:PromptCluster {cluster_id: row.cluster_id})
SET c.touched_at = CASE WHEN c.extraction IS NOT NULL AND c.extraction <> row.extraction
                        THEN datetime() ELSE c.touched_at END
SET c.signature = row.signature,
    c.skeleton_hashes = row.skeleton_hashes,
    c.sample = row.sample,
    c.extraction = row.extraction
