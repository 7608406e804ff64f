import Foundation
import LatchkeyCore
import PostgresNIO

extension PostgresStore {
    public func createGroup(_ group: AgentGroup) async throws {
        try await rows("group \(group.name)", """
            INSERT INTO agent_groups (id, owner_id, name, created_at) VALUES (\(group.id), \(group.ownerID), \(group.name), \(group.createdAt))
            """)
    }

    public func group(id: String) async throws -> AgentGroup? {
        try await rows("group", "SELECT * FROM agent_groups WHERE id = \(id)").first.map { try Self.group($0) }
    }

    public func groups(ownerID: String, after: String?, limit: Int) async throws -> [AgentGroup] {
        if let after {
            return try await rows("group", """
                SELECT * FROM agent_groups WHERE owner_id = \(ownerID) AND name > (SELECT name FROM agent_groups WHERE id = \(after)) ORDER BY name LIMIT \(limit)
                """).map { try Self.group($0) }
        }
        return try await rows("group", "SELECT * FROM agent_groups WHERE owner_id = \(ownerID) ORDER BY name LIMIT \(limit)").map { try Self.group($0) }
    }

    public func groupCount(ownerID: String) async throws -> Int {
        try await rows("group", "SELECT count(*)::int AS n FROM agent_groups WHERE owner_id = \(ownerID)").first?.get("n") ?? 0
    }

    public func deleteGroup(id: String) async throws -> Bool {
        try await rows("group", "DELETE FROM agent_groups WHERE id = \(id) RETURNING id").count == 1
    }

    public func createAgentKey(_ key: AgentKey) async throws {
        try await rows("agent key", try """
            INSERT INTO agent_keys (id, group_id, prefix, hash, created_at) VALUES (\(key.id), \(key.groupID), \(key.prefix), \(key.hash), \(key.createdAt))
            """)
    }

    public func agentKey(prefix: String) async throws -> (AgentKey, AgentGroup)? {
        guard let row = try await rows("agent key", """
            SELECT k.id AS key_id, k.group_id, k.prefix, k.hash, k.created_at AS key_created_at,
                   g.id AS g_id, g.owner_id AS g_owner_id, g.name AS g_name, g.created_at AS g_created_at, g.budget AS g_budget
            FROM agent_keys k JOIN agent_groups g ON g.id = k.group_id WHERE k.prefix = \(prefix)
            """).first else { return nil }
        return (try Self.keyOfAccess(row), try Self.groupOfAccess(row))
    }

    public func agentAccess(prefix: String, provider: String) async throws -> AgentAccess? {
        // One statement, one snapshot: key, group, bound credential and its sealed values (one row per sealed value).
        // Runs on every proxied call, so it is one round trip of a prepared statement.
        let rows = try await prepared("agent key", AgentAccessStatement(provider: provider, prefix: prefix))
        guard let first = rows.first else { return nil }
        let key = try Self.keyOfAccess(first)
        let group = try Self.groupOfAccess(first)
        guard try first.get("id", as: String?.self) != nil else { return AgentAccess(key: key, group: group, credential: nil, policy: nil) }
        return AgentAccess(key: key, group: group, credential: try Self.credentials(rows).first,
                           policy: try StoredJSON.decodeIfPresent(first.get("b_policy", as: String?.self)))
    }

    public func agentKeys(groupID: String, after: String?, limit: Int) async throws -> [AgentKey] {
        // Oldest first, ties by id. The cursor's time is a scalar subquery, computed once, so the index seeks to it
        // (as a joined row it was only a filter: a page deep in the list read every key before it).
        let query: PostgresQuery = if let after {
            """
            SELECT a.* FROM agent_keys a
            WHERE a.group_id = \(groupID) AND a.created_at >= (SELECT created_at FROM agent_keys WHERE id = \(after))
              AND (a.created_at > (SELECT created_at FROM agent_keys WHERE id = \(after)) OR a.id > \(after))
            ORDER BY a.created_at, a.id LIMIT \(limit)
            """
        } else {
            "SELECT * FROM agent_keys WHERE group_id = \(groupID) ORDER BY created_at, id LIMIT \(limit)"
        }
        return try await rows("agent key", query).map { row in
            AgentKey(id: try row.get("id"), groupID: try row.get("group_id"), prefix: try row.get("prefix"), hash: try row.get("hash"),
                     createdAt: try row.get("created_at"))
        }
    }

    public func deleteAgentKey(id: String, groupID: String) async throws -> Bool {
        try await rows("agent key", "DELETE FROM agent_keys WHERE id = \(id) AND group_id = \(groupID) RETURNING id").count == 1
    }

    public func putBinding(_ binding: Binding) async throws {
        try await transaction("binding") { tx in
            try await tx.rows("""
                INSERT INTO bindings (group_id, provider, credential_id, created_at, policy)
                VALUES (\(binding.groupID), \(binding.provider), \(binding.credentialID), \(binding.createdAt), \(StoredJSON.encodeIfPresent(binding.policy)))
                ON CONFLICT (group_id, provider) DO UPDATE SET credential_id = excluded.credential_id, created_at = excluded.created_at, policy = excluded.policy
                """)
            try await tx.rows("DELETE FROM missing_bindings WHERE group_id = \(binding.groupID) AND provider = \(binding.provider)")
        }
    }

    public func boundCredential(groupID: String, provider: String) async throws -> Credential? {
        try await Self.credentials(rows("binding", """
            SELECT c.*, s.field AS s_field, s.value AS s_value
            FROM bindings b JOIN credentials c ON c.id = b.credential_id LEFT JOIN sealed_values s ON s.record_id = c.id
            WHERE b.group_id = \(groupID) AND b.provider = \(provider)
            """)).first
    }

    public func bindings(groupID: String) async throws -> [Binding] {
        try await rows("binding", "SELECT * FROM bindings WHERE group_id = \(groupID) ORDER BY provider").map { row in
            Binding(groupID: try row.get("group_id"), provider: try row.get("provider"), credentialID: try row.get("credential_id"),
                    createdAt: try row.get("created_at"), policy: try StoredJSON.decodeIfPresent(row.get("policy", as: String?.self)))
        }
    }

    public func deleteBinding(groupID: String, provider: String) async throws -> Bool {
        try await rows("binding", "DELETE FROM bindings WHERE group_id = \(groupID) AND provider = \(provider) RETURNING group_id").count == 1
    }

    public func recordMissingBinding(groupID: String, provider: String, at date: Date) async throws {
        try await rows("missing binding", """
            INSERT INTO missing_bindings (group_id, provider, count, first_seen, last_seen) VALUES (\(groupID), \(provider), 1, \(date), \(date))
            ON CONFLICT (group_id, provider) DO UPDATE SET count = missing_bindings.count + 1, last_seen = excluded.last_seen
            """)
    }

    public func missingBindings(ownerID: String) async throws -> [MissingBinding] {
        try await rows("missing binding", """
            SELECT m.* FROM missing_bindings m JOIN agent_groups g ON g.id = m.group_id
            WHERE g.owner_id = \(ownerID) AND NOT EXISTS (SELECT 1 FROM bindings b WHERE b.group_id = m.group_id AND b.provider = m.provider)
            ORDER BY m.last_seen DESC
            """).map { row in
            MissingBinding(groupID: try row.get("group_id"), provider: try row.get("provider"), count: try row.get("count"),
                           firstSeen: try row.get("first_seen"), lastSeen: try row.get("last_seen"))
        }
    }

    static func group(_ row: PostgresRandomAccessRow) throws -> AgentGroup {
        AgentGroup(id: try row.get("id"), ownerID: try row.get("owner_id"), name: try row.get("name"), createdAt: try row.get("created_at"),
                   budget: try StoredJSON.decodeIfPresent(row.get("budget", as: String?.self)))
    }

    static func keyOfAccess(_ row: PostgresRandomAccessRow) throws -> AgentKey {
        AgentKey(id: try row.get("key_id"), groupID: try row.get("group_id"), prefix: try row.get("prefix"), hash: try row.get("hash"),
                 createdAt: try row.get("key_created_at"))
    }

    static func groupOfAccess(_ row: PostgresRandomAccessRow) throws -> AgentGroup {
        AgentGroup(id: try row.get("g_id"), ownerID: try row.get("g_owner_id"), name: try row.get("g_name"), createdAt: try row.get("g_created_at"),
                   budget: try StoredJSON.decodeIfPresent(row.get("g_budget", as: String?.self)))
    }
}
