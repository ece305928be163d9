// name: merge_prompt_clusters
// returns: none
// New or changed prompt clusters with the state the clusterer needs to reload them next run
// (the MinHash signature as little-endian uint32 bytes: a tenth of the size of a list of longs).
UNWIND $rows AS row
MERGE (c:PromptCluster {cluster_id: row.cluster_id})
SET c.signature = row.signature,
    c.skeleton_hashes = row.skeleton_hashes,
    c.sample = row.sample,
    c.extraction = row.extraction
