import PostgresNIO

/// The proxy's one read per call (see `PostgresStore.agentAccess`), as a named prepared statement: each pooled
/// connection parses and plans it once instead of on every call.
struct AgentAccessStatement: PostgresPreparedStatement {
    static let name = "latchkey_agent_access_v2"
    static let sql = """
        SELECT k.id AS key_id, k.group_id, k.prefix, k.hash, k.created_at AS key_created_at,
               g.id AS g_id, g.owner_id AS g_owner_id, g.name AS g_name, g.created_at AS g_created_at, g.budget AS g_budget,
               b.policy AS b_policy, c.*, s.field AS s_field, s.value AS s_value
        FROM agent_keys k
        JOIN agent_groups g ON g.id = k.group_id
        LEFT JOIN bindings b ON b.group_id = g.id AND b.provider = $1
        LEFT JOIN credentials c ON c.id = b.credential_id
        LEFT JOIN sealed_values s ON s.record_id = c.id
        WHERE k.prefix = $2
        """
    typealias Row = PostgresRandomAccessRow

    let provider: String
    let prefix: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(provider)
        bindings.append(prefix)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { row.makeRandomAccess() }
}
