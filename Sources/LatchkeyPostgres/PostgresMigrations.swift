import PostgresNIO

/// The schema, as versioned migrations recorded in `latchkey_migrations`.
///
/// Each step is additive (new tables, new nullable or defaulted columns, new indexes), so servers of the previous
/// release keep working while a newer one migrates. All pending steps run in one transaction (PostgreSQL DDL is
/// transactional) under an advisory lock, so servers that start together migrate once and never see half a schema.
enum PostgresMigrations {
    /// `pg_advisory_xact_lock` key: "latchkey" in ASCII, a constant no other tool in the database is likely to use.
    static let lockKey: Int = 0x6C61_7463_686B_6579

    static let steps: [(id: String, sql: [PostgresQuery])] = [
        ("v1-schema", [
            """
            CREATE TABLE users (
                id text PRIMARY KEY, email text NOT NULL UNIQUE, password_hash text NOT NULL,
                role text NOT NULL, created_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE api_tokens (
                id text PRIMARY KEY, user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name text NOT NULL, prefix text NOT NULL UNIQUE, hash bytea NOT NULL, created_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE credentials (
                id text PRIMARY KEY, owner_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                provider text NOT NULL, name text NOT NULL, auth_mode text NOT NULL, status text NOT NULL,
                status_reason text, public_fields text NOT NULL, expires_at timestamptz, scopes text NOT NULL,
                version bigint NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
                token_issued_at timestamptz, refresh_failures bigint NOT NULL DEFAULT 0, next_refresh_at timestamptz,
                lease_owner text, lease_expires_at timestamptz)
            """,
            "CREATE INDEX credentials_owner ON credentials(owner_id)",
            "CREATE INDEX credentials_refresh ON credentials(auth_mode, status)",
            """
            CREATE TABLE sealed_values (
                record_id text NOT NULL, field text NOT NULL, key_version bigint NOT NULL, value bytea NOT NULL,
                PRIMARY KEY (record_id, field))
            """,
            "CREATE INDEX sealed_values_version ON sealed_values(key_version)",
            """
            CREATE TABLE data_keys (
                version bigint PRIMARY KEY, wrapped bytea NOT NULL, active boolean NOT NULL, created_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE agent_groups (
                id text PRIMARY KEY, owner_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name text NOT NULL, created_at timestamptz NOT NULL, UNIQUE (owner_id, name))
            """,
            """
            CREATE TABLE agent_keys (
                id text PRIMARY KEY, group_id text NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
                prefix text NOT NULL UNIQUE, hash bytea NOT NULL, created_at timestamptz NOT NULL)
            """,
            "CREATE INDEX agent_keys_group ON agent_keys(group_id)",
            """
            CREATE TABLE bindings (
                group_id text NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, provider text NOT NULL,
                credential_id text NOT NULL REFERENCES credentials(id) ON DELETE CASCADE, created_at timestamptz NOT NULL,
                PRIMARY KEY (group_id, provider))
            """,
            "CREATE INDEX bindings_credential ON bindings(credential_id)",
            """
            CREATE TABLE missing_bindings (
                group_id text NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, provider text NOT NULL,
                count bigint NOT NULL, first_seen timestamptz NOT NULL, last_seen timestamptz NOT NULL,
                PRIMARY KEY (group_id, provider))
            """,
            """
            CREATE TABLE audit_events (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE, owner_id text NOT NULL,
                actor text NOT NULL, action text NOT NULL, target_type text NOT NULL, target_id text NOT NULL,
                detail text NOT NULL, created_at timestamptz NOT NULL)
            """,
            "CREATE INDEX audit_events_owner ON audit_events(owner_id, seq)",
            "CREATE TABLE oauth_apps (provider text PRIMARY KEY, client_id text NOT NULL, updated_at timestamptz NOT NULL)",
            """
            CREATE TABLE oauth_states (
                id text PRIMARY KEY, user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                provider text NOT NULL, name text NOT NULL, credential_id text, scopes text NOT NULL,
                fields text NOT NULL, browser_binding bytea, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)
            """,
            "CREATE INDEX oauth_states_expiry ON oauth_states(expires_at)",
            """
            CREATE TABLE sessions (
                id text PRIMARY KEY, user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                csrf text NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)
            """,
            "CREATE INDEX sessions_expiry ON sessions(expires_at)",
            "CREATE TABLE login_failures (key text NOT NULL, at timestamptz NOT NULL)",
            "CREATE INDEX login_failures_key ON login_failures(key, at)",
            "CREATE TABLE setup_tokens (id text PRIMARY KEY, expires_at timestamptz NOT NULL)",
        ]),
        ("v2-budgets", [
            "ALTER TABLE agent_groups ADD COLUMN budget text",
            "ALTER TABLE bindings ADD COLUMN policy text",
            """
            CREATE TABLE quota_leases (
                group_id text NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, scope text NOT NULL,
                per text NOT NULL, window_start timestamptz NOT NULL, leased bigint NOT NULL, last_grant bigint NOT NULL,
                PRIMARY KEY (group_id, scope, per, window_start))
            """,
            """
            CREATE TABLE usage_daily (
                group_id text NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, provider text NOT NULL,
                day text NOT NULL, calls bigint NOT NULL, refused bigint NOT NULL,
                PRIMARY KEY (group_id, day, provider))
            """,
            """
            CREATE TABLE budget_exceeded (
                group_id text NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, scope text NOT NULL,
                per text NOT NULL, window_start timestamptz NOT NULL, at timestamptz NOT NULL,
                PRIMARY KEY (group_id, scope, per, window_start))
            """,
            "CREATE INDEX budget_exceeded_at ON budget_exceeded(at)",
            """
            CREATE TABLE approvals (
                id text PRIMARY KEY, group_id text NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
                owner_id text NOT NULL, provider text NOT NULL, method text NOT NULL, path text NOT NULL,
                rule text NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL,
                once boolean NOT NULL, used boolean NOT NULL, decided_at timestamptz, decided_by text)
            """,
            "CREATE INDEX approvals_owner ON approvals(owner_id, created_at)",
            "CREATE INDEX approvals_call ON approvals(group_id, provider, method, status)",
            "CREATE UNIQUE INDEX approvals_one_pending ON approvals(group_id, provider, method, path) WHERE status = 'pending'",
            "CREATE INDEX audit_events_target ON audit_events(target_id, seq)",
        ]),
        ("v3-oauth-registrations", [
            """
            CREATE TABLE oauth_registrations (
                id text PRIMARY KEY, issuer text NOT NULL, redirect_uri text NOT NULL, client_id text NOT NULL,
                token_endpoint_auth text NOT NULL, metadata text NOT NULL, kind text NOT NULL,
                created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)
            """,
            "CREATE INDEX oauth_registrations_client ON oauth_registrations(issuer, client_id)",
            """
            CREATE TABLE user_providers (
                id text PRIMARY KEY, owner_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE, name text NOT NULL,
                url text NOT NULL, auth text NOT NULL, created_at timestamptz NOT NULL)
            """,
        ]),
        // From here on a step has the same id on SQLite and PostgreSQL, even where one of them has nothing to do, and
        // the schema comparison test holds the two schemas equal. This one brings SQLite's indexes in line; PostgreSQL
        // has them already.
        ("v6-schema-parity", []),
        // Deliveries are an outbox: `seq` orders them per (endpoint, ordering key); the lease columns let one
        // server at a time hold a delivery.
        ("v7-webhooks", [
            """
            CREATE TABLE webhook_endpoints (
                id text PRIMARY KEY, owner_id text REFERENCES users(id) ON DELETE CASCADE, url text NOT NULL,
                events text NOT NULL, created_at timestamptz NOT NULL, enabled boolean NOT NULL DEFAULT true)
            """,
            "CREATE INDEX webhook_endpoints_owner ON webhook_endpoints(owner_id)",
            """
            CREATE TABLE webhook_deliveries (
                seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE,
                endpoint_id text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
                event text NOT NULL, ordering_key text NOT NULL, payload text NOT NULL, status text NOT NULL,
                attempts bigint NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL, last_status bigint, last_error text,
                created_at timestamptz NOT NULL, delivered_at timestamptz, lease_owner text, lease_expires_at timestamptz)
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at)",
            "CREATE INDEX webhook_deliveries_order ON webhook_deliveries(endpoint_id, ordering_key, seq)",
        ]),
        // The access change log (`AccessChangeStore`), written by triggers in the transaction of every change that can
        // alter what a server's access cache answers, whoever makes it (a service, the refresher, a CLI command, a
        // cascade). One function serves every trigger: its arguments name the kind and the column that names the
        // target (of the new row for an insert, else of the old one; none for "everything"). A credential's
        // lease-only writes change no answer and are not logged.
        ("v8-access-changes", [
            "CREATE TABLE access_changes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text NOT NULL, target text NOT NULL)",
            """
            CREATE FUNCTION latchkey_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO access_changes (kind, target)
                VALUES (TG_ARGV[0], COALESCE(to_jsonb(CASE WHEN TG_OP = 'INSERT' THEN NEW ELSE OLD END) ->> TG_ARGV[1], ''));
                RETURN NULL;
            END $$
            """,
            "CREATE TRIGGER access_changes_credential_update AFTER UPDATE ON credentials FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version OR OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION latchkey_access_change('credential', 'id')",
            "CREATE TRIGGER access_changes_credential_delete AFTER DELETE ON credentials FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('credential', 'id')",
            "CREATE TRIGGER access_changes_key_update AFTER UPDATE ON agent_keys FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('agent_key', 'prefix')",
            "CREATE TRIGGER access_changes_key_delete AFTER DELETE ON agent_keys FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('agent_key', 'prefix')",
            "CREATE TRIGGER access_changes_group_update AFTER UPDATE ON agent_groups FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('group', 'id')",
            "CREATE TRIGGER access_changes_group_delete AFTER DELETE ON agent_groups FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('group', 'id')",
            "CREATE TRIGGER access_changes_binding_insert AFTER INSERT ON bindings FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('group', 'group_id')",
            "CREATE TRIGGER access_changes_binding_update AFTER UPDATE ON bindings FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('group', 'group_id')",
            "CREATE TRIGGER access_changes_binding_delete AFTER DELETE ON bindings FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('group', 'group_id')",
            "CREATE TRIGGER access_changes_data_key_update AFTER UPDATE ON data_keys FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('everything', '')",
            "CREATE TRIGGER access_changes_data_key_delete AFTER DELETE ON data_keys FOR EACH ROW EXECUTE FUNCTION latchkey_access_change('everything', '')",
        ]),
        // A user's credentials newest first, ties by id, a page at a time: the order of this index, which a cursor
        // seeks into; it leads with the owner, so it serves what `credentials_owner` did.
        ("v9-credential-pages", [
            "CREATE INDEX credentials_owner_created ON credentials(owner_id, created_at DESC, id)",
            "DROP INDEX credentials_owner",
        ]),
        // The dashboard's warnings seek to a user's credentials in a given status; a group's agent keys are listed
        // oldest first, ties by id, a page at a time, in this index's order (it serves what `agent_keys_group` did).
        ("v10-attention-and-key-pages", [
            "CREATE INDEX credentials_owner_status ON credentials(owner_id, status)",
            "CREATE INDEX agent_keys_group_created ON agent_keys(group_id, created_at, id)",
            "DROP INDEX agent_keys_group",
        ]),
    ]

    static func apply(on store: PostgresStore) async throws {
        try await store.transaction("migration") { tx in
            try await tx.rows("SELECT pg_advisory_xact_lock(\(lockKey))")
            try await tx.rows("CREATE TABLE IF NOT EXISTS latchkey_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            var applied: Set<String> = []
            for row in try await tx.rows("SELECT id FROM latchkey_migrations") { applied.insert(try row["id"].decode(String.self)) }
            for step in steps where !applied.contains(step.id) {
                for statement in step.sql { try await tx.rows(statement) }
                try await tx.rows("INSERT INTO latchkey_migrations (id) VALUES (\(step.id))")
            }
        }
    }
}
