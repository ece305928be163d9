// name: list_prompt_clusters
// returns: rows
// Every persisted prompt cluster's state, loaded by the clusterer at the start of an ingest.
MATCH (c:PromptCluster)
RETURN c.cluster_id AS cluster_id, c.signature AS signature, c.skeleton_hashes AS skeleton_hashes,
       c.sample AS sample, c.extraction AS extraction
