import GRDB

/// The schema, as versioned migrations. Each step is additive so that older servers keep running during an upgrade.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
                    role TEXT NOT NULL, created_at REAL NOT NULL);
                CREATE TABLE api_tokens (
                    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    name TEXT NOT NULL, prefix TEXT NOT NULL UNIQUE, hash BLOB NOT NULL, created_at REAL NOT NULL);
                CREATE TABLE credentials (
                    id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    provider TEXT NOT NULL, name TEXT NOT NULL, auth_mode TEXT NOT NULL, status TEXT NOT NULL,
                    status_reason TEXT, public_fields TEXT NOT NULL, expires_at REAL, scopes TEXT NOT NULL,
                    version INTEGER NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE INDEX credentials_owner ON credentials(owner_id);
                CREATE TABLE sealed_values (
                    record_id TEXT NOT NULL, field TEXT NOT NULL, key_version INTEGER NOT NULL, value BLOB NOT NULL,
                    PRIMARY KEY (record_id, field));
                CREATE INDEX sealed_values_version ON sealed_values(key_version);
                CREATE TABLE data_keys (
                    version INTEGER PRIMARY KEY, wrapped BLOB NOT NULL, active INTEGER NOT NULL, created_at REAL NOT NULL);
                CREATE TABLE agent_groups (
                    id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    name TEXT NOT NULL, created_at REAL NOT NULL, UNIQUE (owner_id, name));
                CREATE TABLE agent_keys (
                    id TEXT PRIMARY KEY, group_id TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
                    prefix TEXT NOT NULL UNIQUE, hash BLOB NOT NULL, created_at REAL NOT NULL);
                CREATE INDEX agent_keys_group ON agent_keys(group_id);
                CREATE TABLE bindings (
                    group_id TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, provider TEXT NOT NULL,
                    credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE, created_at REAL NOT NULL,
                    PRIMARY KEY (group_id, provider));
                CREATE INDEX bindings_credential ON bindings(credential_id);
                CREATE TABLE missing_bindings (
                    group_id TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, provider TEXT NOT NULL,
                    count INTEGER NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
                    PRIMARY KEY (group_id, provider));
                CREATE TABLE audit_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, owner_id TEXT NOT NULL,
                    actor TEXT NOT NULL, action TEXT NOT NULL, target_type TEXT NOT NULL, target_id TEXT NOT NULL,
                    detail TEXT NOT NULL, created_at REAL NOT NULL);
                CREATE INDEX audit_events_owner ON audit_events(owner_id, seq);
                CREATE TABLE oauth_apps (
                    provider TEXT PRIMARY KEY, client_id TEXT NOT NULL, updated_at REAL NOT NULL);
                """)
        }
        migrator.registerMigration("v2-oauth-refresh") { db in
            try db.execute(sql: """
                ALTER TABLE credentials ADD COLUMN token_issued_at REAL;
                ALTER TABLE credentials ADD COLUMN refresh_failures INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE credentials ADD COLUMN next_refresh_at REAL;
                ALTER TABLE credentials ADD COLUMN lease_owner TEXT;
                ALTER TABLE credentials ADD COLUMN lease_expires_at REAL;
                CREATE INDEX credentials_expiry ON credentials(auth_mode, expires_at);
                CREATE TABLE oauth_states (
                    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    provider TEXT NOT NULL, name TEXT NOT NULL, credential_id TEXT, scopes TEXT NOT NULL,
                    fields TEXT NOT NULL, browser_binding BLOB, created_at REAL NOT NULL, expires_at REAL NOT NULL);
                CREATE INDEX oauth_states_expiry ON oauth_states(expires_at);
                """)
        }
        migrator.registerMigration("v3-dashboard") { db in
            try db.execute(sql: """
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    csrf TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL);
                CREATE INDEX sessions_expiry ON sessions(expires_at);
                CREATE TABLE login_failures (key TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX login_failures_key ON login_failures(key, at);
                CREATE TABLE setup_tokens (id TEXT PRIMARY KEY, expires_at REAL NOT NULL);
                """)
        }
        migrator.registerMigration("v4-budgets") { db in
            try db.execute(sql: """
                ALTER TABLE agent_groups ADD COLUMN budget TEXT;
                ALTER TABLE bindings ADD COLUMN policy TEXT;
                CREATE TABLE quota_leases (
                    group_id TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, scope TEXT NOT NULL,
                    per TEXT NOT NULL, window_start REAL NOT NULL, leased INTEGER NOT NULL, last_grant INTEGER NOT NULL,
                    PRIMARY KEY (group_id, scope, per, window_start));
                CREATE TABLE usage_daily (
                    group_id TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, provider TEXT NOT NULL,
                    day TEXT NOT NULL, calls INTEGER NOT NULL, refused INTEGER NOT NULL,
                    PRIMARY KEY (group_id, day, provider));
                CREATE TABLE budget_exceeded (
                    group_id TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE, scope TEXT NOT NULL,
                    per TEXT NOT NULL, window_start REAL NOT NULL, at REAL NOT NULL,
                    PRIMARY KEY (group_id, scope, per, window_start));
                CREATE INDEX budget_exceeded_at ON budget_exceeded(at);
                CREATE TABLE approvals (
                    id TEXT PRIMARY KEY, group_id TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
                    owner_id TEXT NOT NULL, provider TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
                    rule TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL,
                    once INTEGER NOT NULL, used INTEGER NOT NULL, decided_at REAL, decided_by TEXT);
                CREATE INDEX approvals_owner ON approvals(owner_id, created_at);
                CREATE INDEX approvals_call ON approvals(group_id, provider, method, status);
                CREATE UNIQUE INDEX approvals_one_pending ON approvals(group_id, provider, method, path) WHERE status = 'pending';
                CREATE INDEX audit_events_target ON audit_events(target_id, seq);
                """)
        }
        migrator.registerMigration("v5-oauth-registrations") { db in
            try db.execute(sql: """
                CREATE TABLE oauth_registrations (
                    id TEXT PRIMARY KEY, issuer TEXT NOT NULL, redirect_uri TEXT NOT NULL, client_id TEXT NOT NULL,
                    token_endpoint_auth TEXT NOT NULL, metadata TEXT NOT NULL, kind TEXT NOT NULL,
                    created_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE INDEX oauth_registrations_client ON oauth_registrations(issuer, client_id);
                CREATE TABLE user_providers (
                    id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL,
                    url TEXT NOT NULL, auth TEXT NOT NULL, created_at REAL NOT NULL);
                """)
        }
        // From here on a step has the same id on SQLite and PostgreSQL, even where one of them has nothing to do, and
        // the schema comparison test (LatchkeyPostgresTests) holds the two schemas equal.
        migrator.registerMigration("v6-schema-parity") { db in
            // PostgreSQL indexes what the refresh candidates query filters on (auth mode and status); SQLite indexed
            // the expiry, which no query filters on.
            try db.execute(sql: """
                CREATE INDEX credentials_refresh ON credentials(auth_mode, status);
                DROP INDEX credentials_expiry;
                """)
        }
        migrator.registerMigration("v7-webhooks") { db in
            // Deliveries are an outbox: `seq` orders them per (endpoint, ordering key); the lease columns let one
            // sender at a time hold a delivery.
            try db.execute(sql: """
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY, owner_id TEXT REFERENCES users(id) ON DELETE CASCADE, url TEXT NOT NULL,
                    events TEXT NOT NULL, created_at REAL NOT NULL, enabled INTEGER NOT NULL DEFAULT 1);
                CREATE INDEX webhook_endpoints_owner ON webhook_endpoints(owner_id);
                CREATE TABLE webhook_deliveries (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
                    event TEXT NOT NULL, ordering_key TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, last_status INTEGER, last_error TEXT,
                    created_at REAL NOT NULL, delivered_at REAL, lease_owner TEXT, lease_expires_at REAL);
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
                CREATE INDEX webhook_deliveries_order ON webhook_deliveries(endpoint_id, ordering_key, seq);
                """)
        }
        migrator.registerMigration("v8-access-changes") { db in
            // The access change log (`AccessChangeStore`), written by triggers in the transaction of every change that
            // can alter what a server's access cache answers, whoever makes it (a service, the refresher, a CLI
            // command, a cascade). A credential's lease-only writes change no answer and are not logged.
            try db.execute(sql: """
                CREATE TABLE access_changes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, target TEXT NOT NULL);
                CREATE TRIGGER access_changes_credential_update AFTER UPDATE ON credentials
                    WHEN OLD.version IS NOT NEW.version OR OLD.status IS NOT NEW.status
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('credential', OLD.id); END;
                CREATE TRIGGER access_changes_credential_delete AFTER DELETE ON credentials
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('credential', OLD.id); END;
                CREATE TRIGGER access_changes_key_update AFTER UPDATE ON agent_keys
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('agent_key', OLD.prefix); END;
                CREATE TRIGGER access_changes_key_delete AFTER DELETE ON agent_keys
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('agent_key', OLD.prefix); END;
                CREATE TRIGGER access_changes_group_update AFTER UPDATE ON agent_groups
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('group', OLD.id); END;
                CREATE TRIGGER access_changes_group_delete AFTER DELETE ON agent_groups
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('group', OLD.id); END;
                CREATE TRIGGER access_changes_binding_insert AFTER INSERT ON bindings
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('group', NEW.group_id); END;
                CREATE TRIGGER access_changes_binding_update AFTER UPDATE ON bindings
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('group', OLD.group_id); END;
                CREATE TRIGGER access_changes_binding_delete AFTER DELETE ON bindings
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('group', OLD.group_id); END;
                CREATE TRIGGER access_changes_data_key_update AFTER UPDATE ON data_keys
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('everything', ''); END;
                CREATE TRIGGER access_changes_data_key_delete AFTER DELETE ON data_keys
                    BEGIN INSERT INTO access_changes (kind, target) VALUES ('everything', ''); END;
                """)
        }
        migrator.registerMigration("v9-credential-pages") { db in
            // A user's credentials are listed newest first, ties by id, a page at a time: this index gives that
            // order and lets a cursor seek into it, so a page deep in 100,000 credentials reads one page of rows
            // instead of sorting them all. It leads with the owner, so it serves what `credentials_owner` did.
            try db.execute(sql: """
                CREATE INDEX credentials_owner_created ON credentials(owner_id, created_at DESC, id);
                DROP INDEX credentials_owner;
                """)
        }
        migrator.registerMigration("v10-attention-and-key-pages") { db in
            // The dashboard's warnings look for the few credentials of a user in a given status: a seek instead of
            // reading every credential the user has. A group's agent keys are listed oldest first, ties by id, a page
            // at a time: this index gives that order (and leads with the group, so it serves what
            // `agent_keys_group` did).
            try db.execute(sql: """
                CREATE INDEX credentials_owner_status ON credentials(owner_id, status);
                CREATE INDEX agent_keys_group_created ON agent_keys(group_id, created_at, id);
                DROP INDEX agent_keys_group;
                """)
        }
        return migrator
    }
}
