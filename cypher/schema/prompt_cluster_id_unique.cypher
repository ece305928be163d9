// name: prompt_cluster_id_unique
// returns: none
// Uniqueness of prompt cluster ids; idempotent (IF NOT EXISTS).
CREATE CONSTRAINT prompt_cluster_id_unique IF NOT EXISTS FOR (n:PromptCluster) REQUIRE n.cluster_id IS UNIQUE
