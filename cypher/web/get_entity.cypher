// name: get_entity
// returns: one
// One node by kind and key, for the entity page: $kind is one of Account, PaymentMethod, IP,
// Device, PromptCluster, Operator (an allow-listed value compared here, never formatted in;
// every branch is a unique-index seek). Returns its properties and relationship counts.
CALL () {
  MATCH (n:Account {account_id: $key}) WHERE $kind = 'Account' RETURN n
  UNION ALL
  MATCH (n:PaymentMethod {payment_id: $key}) WHERE $kind = 'PaymentMethod' RETURN n
  UNION ALL
  MATCH (n:IP {ip: $key}) WHERE $kind = 'IP' RETURN n
  UNION ALL
  MATCH (n:Device {device_id: $key}) WHERE $kind = 'Device' RETURN n
  UNION ALL
  MATCH (n:PromptCluster {cluster_id: $key}) WHERE $kind = 'PromptCluster' RETURN n
  UNION ALL
  MATCH (n:Operator {name: $key}) WHERE $kind = 'Operator' RETURN n
}
RETURN labels(n)[0] AS kind, properties(n) AS props,
       COUNT { (n)-[:PAID_WITH|USED_IP|USED_DEVICE|SENT|LABELED_AS]-() } AS degree
LIMIT 1
