import Foundation
import GRDB
import LatchkeyCore

extension SQLiteStore {
    public func createGroup(_ group: AgentGroup) async throws {
        try await write("group \(group.name)") { db in
            try db.execute(sql: "INSERT INTO agent_groups (id, owner_id, name, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [group.id, group.ownerID, group.name, group.createdAt.seconds])
        }
    }

    public func group(id: String) async throws -> AgentGroup? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM agent_groups WHERE id = ?", arguments: [id]).map { try Self.group($0) } }
    }

    public func groups(ownerID: String, after: String?, limit: Int) async throws -> [AgentGroup] {
        try await read { db in
            if let after {
                return try Row.fetchAll(db, sql: """
                    SELECT * FROM agent_groups WHERE owner_id = ? AND name > (SELECT name FROM agent_groups WHERE id = ?) ORDER BY name LIMIT ?
                    """, arguments: [ownerID, after, limit]).map { try Self.group($0) }
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM agent_groups WHERE owner_id = ? ORDER BY name LIMIT ?", arguments: [ownerID, limit]).map { try Self.group($0) }
        }
    }

    public func groupCount(ownerID: String) async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM agent_groups WHERE owner_id = ?", arguments: [ownerID]) ?? 0 }
    }

    public func deleteGroup(id: String) async throws -> Bool {
        try await write("group") { db in
            try db.execute(sql: "DELETE FROM agent_groups WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    public func createAgentKey(_ key: AgentKey) async throws {
        try await write("agent key") { db in
            try db.execute(sql: "INSERT INTO agent_keys (id, group_id, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [key.id, key.groupID, key.prefix, key.hash, key.createdAt.seconds])
        }
    }

    public func agentKey(prefix: String) async throws -> (AgentKey, AgentGroup)? {
        try await read { db in
            // Hot path (every proxied call): a cached statement skips SQL compilation.
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT k.id AS key_id, k.group_id, k.prefix, k.hash, k.created_at AS key_created_at,
                       g.id, g.owner_id, g.name, g.created_at, g.budget
                FROM agent_keys k JOIN agent_groups g ON g.id = k.group_id WHERE k.prefix = ?
                """), arguments: [prefix]) else { return nil }
            let key = AgentKey(id: row["key_id"], groupID: row["group_id"], prefix: row["prefix"], hash: row["hash"], createdAt: Date(seconds: row["key_created_at"]))
            return (key, try Self.group(row))
        }
    }

    /// The proxy's read of what an agent key may reach: the bound credential's columns first (`credentialColumns`), then
    /// the key (16–20), the group (21–25), the binding's policy (26) and one sealed value per row (27, 28).
    static let agentAccessSQL = """
        SELECT \(credentialColumns("c")),
               k.id, k.group_id, k.prefix, k.hash, k.created_at,
               g.id, g.owner_id, g.name, g.created_at, g.budget,
               b.policy, s.field, s.value
        FROM agent_keys k
        JOIN agent_groups g ON g.id = k.group_id
        LEFT JOIN bindings b ON b.group_id = g.id AND b.provider = ?
        LEFT JOIN credentials c ON c.id = b.credential_id
        LEFT JOIN sealed_values s ON s.record_id = c.id
        WHERE k.prefix = ?
        """

    public func agentAccess(prefix: String, provider: String) async throws -> AgentAccess? {
        try await readOneStatement { db in
            // One statement, one implicit read transaction: key, group, bound credential and its sealed values
            // (one row per sealed value). Runs on every proxied call the access cache cannot answer.
            let rows = try ColumnsCursor(db.cachedStatement(sql: Self.agentAccessSQL), arguments: [provider, prefix])
            // Decoded while stepping: the first row gives the key, group, binding and credential, every row one sealed
            // value.
            guard let first = try rows.next() else { return nil }
            let key = AgentKey(id: first.text(16), groupID: first.text(17), prefix: first.text(18), hash: first.data(19), createdAt: Date(seconds: first.double(20)))
            let group = AgentGroup(id: first.text(21), ownerID: first.text(22), name: first.text(23), createdAt: Date(seconds: first.double(24)),
                                   budget: try StoredJSON.decodeIfPresent(first.optionalText(25)))
            guard !first.isNull(0) else { return AgentAccess(key: key, group: group, credential: nil, policy: nil) }
            var credential = try Self.credential(first, secrets: [:])
            let policy: BindingPolicy? = try StoredJSON.decodeIfPresent(first.optionalText(26))
            var row: Columns? = first
            while let current = row {
                if !current.isNull(27) { credential.secrets[current.text(27)] = SealedValue(bytes: current.data(28)) }
                row = try rows.next()
            }
            return AgentAccess(key: key, group: group, credential: credential, policy: policy)
        }
    }

    /// A group's agent keys, oldest first, ties by id: the order of `agent_keys_group_created`.
    static let agentKeysFirstPageSQL = "SELECT * FROM agent_keys WHERE group_id = ? ORDER BY created_at, id LIMIT ?"
    /// A later page, right after the cursor's key; `created_at >= k` lets the index seek to the cursor.
    static let agentKeysPageAfterSQL = """
        SELECT a.* FROM agent_keys a, (SELECT created_at, id FROM agent_keys WHERE id = ?) k
        WHERE a.group_id = ? AND a.created_at >= k.created_at AND (a.created_at > k.created_at OR a.id > k.id)
        ORDER BY a.created_at, a.id LIMIT ?
        """

    public func agentKeys(groupID: String, after: String?, limit: Int) async throws -> [AgentKey] {
        try await read { db in
            let rows = if let after {
                try Row.fetchAll(db.cachedStatement(sql: Self.agentKeysPageAfterSQL), arguments: [after, groupID, limit])
            } else {
                try Row.fetchAll(db.cachedStatement(sql: Self.agentKeysFirstPageSQL), arguments: [groupID, limit])
            }
            return rows.map { row in
                AgentKey(id: row["id"], groupID: row["group_id"], prefix: row["prefix"], hash: row["hash"], createdAt: Date(seconds: row["created_at"]))
            }
        }
    }

    public func deleteAgentKey(id: String, groupID: String) async throws -> Bool {
        try await write("agent key") { db in
            try db.execute(sql: "DELETE FROM agent_keys WHERE id = ? AND group_id = ?", arguments: [id, groupID])
            return db.changesCount == 1
        }
    }

    public func putBinding(_ binding: Binding) async throws {
        try await write("binding") { db in
            try db.execute(sql: """
                INSERT INTO bindings (group_id, provider, credential_id, created_at, policy) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (group_id, provider) DO UPDATE SET credential_id = excluded.credential_id, created_at = excluded.created_at, policy = excluded.policy
                """, arguments: [binding.groupID, binding.provider, binding.credentialID, binding.createdAt.seconds, StoredJSON.encodeIfPresent(binding.policy)])
            try db.execute(sql: "DELETE FROM missing_bindings WHERE group_id = ? AND provider = ?", arguments: [binding.groupID, binding.provider])
        }
    }

    public func boundCredential(groupID: String, provider: String) async throws -> Credential? {
        try await read { db in
            try Self.readFirst(db.cachedStatement(sql: """
                SELECT \(Self.credentialColumns("c")) FROM bindings b JOIN credentials c ON c.id = b.credential_id WHERE b.group_id = ? AND b.provider = ?
                """), arguments: [groupID, provider]) { try Self.credential($0, db) }
        }
    }

    public func bindings(groupID: String) async throws -> [Binding] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM bindings WHERE group_id = ? ORDER BY provider", arguments: [groupID]).map { row in
                Binding(groupID: row["group_id"], provider: row["provider"], credentialID: row["credential_id"], createdAt: Date(seconds: row["created_at"]),
                        policy: try StoredJSON.decodeIfPresent(row["policy"]))
            }
        }
    }

    public func deleteBinding(groupID: String, provider: String) async throws -> Bool {
        try await write("binding") { db in
            try db.execute(sql: "DELETE FROM bindings WHERE group_id = ? AND provider = ?", arguments: [groupID, provider])
            return db.changesCount == 1
        }
    }

    public func recordMissingBinding(groupID: String, provider: String, at date: Date) async throws {
        try await write("missing binding") { db in
            try db.execute(sql: """
                INSERT INTO missing_bindings (group_id, provider, count, first_seen, last_seen) VALUES (?, ?, 1, ?, ?)
                ON CONFLICT (group_id, provider) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen
                """, arguments: [groupID, provider, date.seconds, date.seconds])
        }
    }

    public func missingBindings(ownerID: String) async throws -> [MissingBinding] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.* FROM missing_bindings m JOIN agent_groups g ON g.id = m.group_id
                WHERE g.owner_id = ? AND NOT EXISTS (SELECT 1 FROM bindings b WHERE b.group_id = m.group_id AND b.provider = m.provider)
                ORDER BY m.last_seen DESC
                """, arguments: [ownerID]).map { row in
                MissingBinding(groupID: row["group_id"], provider: row["provider"], count: row["count"], firstSeen: Date(seconds: row["first_seen"]), lastSeen: Date(seconds: row["last_seen"]))
            }
        }
    }

    static func group(_ row: Row) throws -> AgentGroup {
        AgentGroup(id: row["id"], ownerID: row["owner_id"], name: row["name"], createdAt: Date(seconds: row["created_at"]), budget: try StoredJSON.decodeIfPresent(row["budget"]))
    }
}
