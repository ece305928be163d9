// name: merge_ips
// returns: none
// Make sure every IP a batch's requests used exists (metadata comes with `ip_info` events).
// Nodes first, relationships after: keeps the usage query free of Eager barriers.
UNWIND $ips AS ip
MERGE (:IP {ip: ip})
