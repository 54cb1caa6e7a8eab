//! SQLite's migrations (the SQLite backend applies them in order and
//! records the version in `PRAGMA user_version`). Triggers keep
//! `resource_counts`, the per-tenant, per-kind total that an unfiltered
//! listing and the circuit breaker read without counting rows.
//!
//! Invariant: a migration never changes once released; new ones append.

/// Each entry moves the database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: tenants, connections, tokens, resources, the lookup index, memberships.
    r#"
    CREATE TABLE tenants (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL
    );
    CREATE TABLE connections (
        id INTEGER PRIMARY KEY,
        tenant_id INTEGER NOT NULL REFERENCES tenants(id),
        name TEXT NOT NULL,
        profile TEXT NOT NULL,
        created INTEGER NOT NULL,
        UNIQUE (tenant_id, name)
    );
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        tenant_id INTEGER NOT NULL REFERENCES tenants(id),
        connection_id INTEGER NOT NULL REFERENCES connections(id),
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash BLOB NOT NULL UNIQUE,
        created INTEGER NOT NULL,
        expires INTEGER,
        revoked INTEGER
    );
    CREATE INDEX tokens_tenant ON tokens (tenant_id);
    CREATE TABLE resources (
        seq INTEGER PRIMARY KEY,
        tenant_id INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        created INTEGER NOT NULL,
        last_modified INTEGER NOT NULL,
        unique_key TEXT,
        display TEXT,
        active INTEGER NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX resources_id ON resources (tenant_id, kind, id);
    CREATE UNIQUE INDEX resources_unique ON resources (tenant_id, kind, unique_key) WHERE unique_key IS NOT NULL;
    CREATE INDEX resources_list ON resources (tenant_id, kind);
    CREATE INDEX resources_active ON resources (tenant_id, kind, active);
    CREATE TABLE idx (
        tenant_id INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        attr INTEGER NOT NULL,
        value TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, kind, attr, value, seq)
    ) WITHOUT ROWID;
    CREATE TABLE members (
        group_seq INTEGER NOT NULL,
        member_seq INTEGER NOT NULL,
        PRIMARY KEY (group_seq, member_seq)
    ) WITHOUT ROWID;
    CREATE INDEX members_member ON members (member_seq, group_seq);
    "#,
    // 2: provisioning policies: tenant settings and seat limit, connection
    // policies, resource provenance, and the soft-delete trash.
    r#"
    ALTER TABLE tenants ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE tenants ADD COLUMN seat_limit INTEGER;
    ALTER TABLE connections ADD COLUMN policy TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE resources ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE trash (
        tenant_id INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        id TEXT NOT NULL,
        display TEXT,
        created INTEGER NOT NULL,
        version INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        purge_after INTEGER NOT NULL,
        doc TEXT NOT NULL,
        provenance TEXT NOT NULL,
        PRIMARY KEY (tenant_id, kind, id)
    );
    CREATE INDEX trash_purge ON trash (purge_after);
    CREATE TABLE deprovisions (
        connection_id INTEGER NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE INDEX deprovisions_connection ON deprovisions (connection_id, at);
    CREATE INDEX deprovisions_at ON deprovisions (at);
    "#,
    // 3: the audit log, the event outbox, webhooks and dead letters.
    r#"
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        tenant_id INTEGER NOT NULL,
        at INTEGER NOT NULL,
        connection_id INTEGER,
        status INTEGER NOT NULL,
        resource_kind TEXT,
        resource_id TEXT,
        entry TEXT NOT NULL
    );
    CREATE INDEX audit_tenant ON audit (tenant_id, seq);
    CREATE INDEX audit_resource ON audit (tenant_id, resource_id, seq);
    CREATE INDEX audit_at ON audit (at);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        tenant_id INTEGER NOT NULL,
        at INTEGER NOT NULL,
        event TEXT NOT NULL
    );
    CREATE INDEX events_tenant ON events (tenant_id, seq);
    CREATE TABLE webhooks (
        id INTEGER PRIMARY KEY,
        tenant_id INTEGER NOT NULL,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        format TEXT NOT NULL,
        full INTEGER NOT NULL,
        created INTEGER NOT NULL,
        cursor INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt INTEGER,
        lease_owner TEXT,
        lease_until INTEGER
    );
    CREATE TABLE dead_letters (
        webhook_id INTEGER NOT NULL,
        event_seq INTEGER NOT NULL,
        tenant_id INTEGER NOT NULL,
        error TEXT NOT NULL,
        at INTEGER NOT NULL,
        requeued INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (webhook_id, event_seq)
    );
    "#,
    // 4: admin accounts and console sessions (only token hashes).
    r#"
    CREATE TABLE admins (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        tenant_id INTEGER,
        created INTEGER NOT NULL
    );
    CREATE TABLE admin_sessions (
        hash BLOB PRIMARY KEY,
        admin_id INTEGER NOT NULL,
        csrf TEXT NOT NULL,
        created INTEGER NOT NULL,
        expires INTEGER NOT NULL
    );
    CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);
    CREATE INDEX admin_sessions_expires ON admin_sessions (expires);
    "#,
    // 5: how many resources of each kind a tenant holds, kept by triggers in
    // the transaction of every insert and delete (whatever path it takes:
    // create, delete, trash, restore, purge), so that an unfiltered listing
    // tells its total without counting a million index entries. And an
    // index on event time, so that expiring events never scans the outbox.
    r#"
    CREATE TABLE resource_counts (
        tenant_id INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, kind)
    ) WITHOUT ROWID;
    INSERT INTO resource_counts (tenant_id, kind, n)
        SELECT tenant_id, kind, count(*) FROM resources GROUP BY tenant_id, kind;
    CREATE TRIGGER resources_counted_in AFTER INSERT ON resources BEGIN
        INSERT INTO resource_counts (tenant_id, kind, n) VALUES (NEW.tenant_id, NEW.kind, 1)
            ON CONFLICT (tenant_id, kind) DO UPDATE SET n = n + 1;
    END;
    CREATE INDEX events_at ON events (at);
    CREATE TRIGGER resources_counted_out AFTER DELETE ON resources BEGIN
        UPDATE resource_counts SET n = n - 1
            WHERE tenant_id = OLD.tenant_id AND kind = OLD.kind;
    END;
    "#,
    // 6: what the client sent, with each audit entry (redacted and capped
    // by the service; NULL for entries written before and for requests
    // without a body).
    r#"
    ALTER TABLE audit ADD COLUMN sent TEXT;
    "#,
    // 7: the `display` a client gave for a group member when it added it
    // (RFC 7643 §2.4: immutable); NULL shows the member's own name.
    r#"
    ALTER TABLE members ADD COLUMN display TEXT;
    "#,
    // 8: webhooks an operator allowed to deliver to loopback, link-local
    // and private addresses (refused for every other webhook); when an
    // admin account was disabled (NULL: enabled).
    r#"
    ALTER TABLE webhooks ADD COLUMN allow_private INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE admins ADD COLUMN disabled INTEGER;
    "#,
    // 9: secrets out of the audit log. Entries written before redaction
    // went by the schema may hold a password in `sent` (a PATCH path or
    // value object, a Bulk operation, a refusal). The work is code,
    // the backend's `scrub_audit`, run in this migration's transaction.
    "-- scrub_audit",
    // 10: events numbered per tenant (`tenant_seq`: 1, 2, 3 … in commit
    // order, from `event_counters`), so that what a tenant sees (SET ids,
    // feed and webhook cursors) depends on its own events only. Existing
    // events are numbered in their order. Webhook cursors and dead letters
    // keep naming events by `seq`; the store translates.
    r#"
    ALTER TABLE events ADD COLUMN tenant_seq INTEGER;
    UPDATE events SET tenant_seq = r.n FROM (
        SELECT seq, row_number() OVER (PARTITION BY tenant_id ORDER BY seq) AS n FROM events
    ) AS r WHERE r.seq = events.seq;
    CREATE UNIQUE INDEX events_tenant_seq ON events (tenant_id, tenant_seq);
    CREATE TABLE event_counters (
        tenant_id INTEGER PRIMARY KEY,
        last INTEGER NOT NULL
    );
    INSERT INTO event_counters (tenant_id, last)
        SELECT tenant_id, max(tenant_seq) FROM events GROUP BY tenant_id;
    "#,
    // 11: when a token last authenticated a request (written at most once
    // a minute per token), and since when a webhook is disabled (NULL:
    // enabled).
    r#"
    ALTER TABLE tokens ADD COLUMN last_used INTEGER;
    ALTER TABLE webhooks ADD COLUMN disabled INTEGER;
    "#,
    // 12: the local (unmanaged) accounts of each tenant, so that account
    // matching asks one probe whether there is any before it looks one up
    // by each key (`Dialect::local_resource` states the same condition).
    r#"
    CREATE INDEX resources_local ON resources (tenant_id, kind)
        WHERE coalesce(json_extract(provenance, '$.managed'), 0) = 0;
    "#,
    // 13: the provisioning log: one row per SCIM request, written in
    // batches off the request path, bounded per tenant by count and age
    // (tenant 0: requests whose token names no tenant).
    r#"
    CREATE TABLE provlog (
        seq INTEGER PRIMARY KEY,
        tenant_id INTEGER NOT NULL,
        connection_id INTEGER,
        at INTEGER NOT NULL,
        client TEXT,
        token_prefix TEXT,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        query TEXT NOT NULL,
        resource TEXT,
        resource_id TEXT,
        status INTEGER NOT NULL,
        micros INTEGER NOT NULL,
        scim_type TEXT,
        detail TEXT,
        request_id TEXT NOT NULL,
        audited INTEGER NOT NULL
    );
    CREATE INDEX provlog_tenant ON provlog (tenant_id, seq);
    CREATE INDEX provlog_connection ON provlog (connection_id, at);
    CREATE INDEX provlog_at ON provlog (at);
    "#,
    // 14: tenants' schema extensions (RFC 7643 §7; `urn` in lower case,
    // the definition as JSON text), the tenant's `schema_version`, moved by
    // every change of them (what a replica's cache of a tenant's schemas
    // compares), and the lookup index's rows of extension attributes:
    // codes from 1000 (`scim_store::index::EXT_BASE`), unique within a
    // tenant from 20000 (`UNIQUE_BASE`), found by `seq` where a deleted
    // resource's rows go by hand.
    r#"
    CREATE TABLE schema_extensions (
        tenant_id INTEGER NOT NULL,
        urn TEXT NOT NULL,
        kind INTEGER NOT NULL,
        definition TEXT NOT NULL,
        created INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, urn)
    );
    ALTER TABLE tenants ADD COLUMN schema_version INTEGER NOT NULL DEFAULT 0;
    CREATE UNIQUE INDEX idx_unique ON idx (tenant_id, kind, attr, value) WHERE attr >= 20000;
    CREATE INDEX idx_extension_seq ON idx (seq) WHERE attr >= 1000;
    "#,
    // 15: the attributes each connection sent that its tenant's schemas do
    // not define: per name, how often, when last, one redacted example.
    r#"
    CREATE TABLE undefined_attributes (
        connection_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        example TEXT NOT NULL,
        PRIMARY KEY (connection_id, name)
    );
    "#,
    // 16: tenants' role mappings (`docs/roles.md`): a group named by
    // `displayName` (selector 0, `key` folded) or `externalId` (selector
    // 1, `key` as given) gives a role. The users' effective roles live in
    // their documents, with `idx` rows under code 19999
    // (`scim_store::index::ROLES_CODE`).
    r#"
    CREATE TABLE role_mappings (
        tenant_id INTEGER NOT NULL,
        selector INTEGER NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        role TEXT NOT NULL,
        PRIMARY KEY (tenant_id, selector, key, role)
    );
    "#,
    // 17: queued recomputations of effective roles (`docs/roles.md`),
    // written with the mapping change that needs them and deleted once
    // done: the users in the groups `selector` `value` names, or every
    // user (both NULL); `due` in Unix milliseconds (a lease while one
    // runs).
    r#"
    CREATE TABLE role_refresh (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id INTEGER NOT NULL,
        selector INTEGER,
        value TEXT,
        due INTEGER NOT NULL
    );
    CREATE INDEX role_refresh_due ON role_refresh (due);
    "#,
    // 18: webhook cursors as event numbers (`position`, converted from
    // the `seq` in `cursor`), as on PostgreSQL, where events are numbered
    // after their commit; here the one writer still numbers them in it.
    r#"
    ALTER TABLE webhooks ADD COLUMN position INTEGER;
    UPDATE webhooks AS h SET position = coalesce(
        (SELECT e.tenant_seq FROM events e WHERE e.tenant_id = h.tenant_id AND e.seq <= h.cursor ORDER BY e.seq DESC LIMIT 1),
        (SELECT min(e.tenant_seq) - 1 FROM events e WHERE e.tenant_id = h.tenant_id),
        (SELECT c.last FROM event_counters c WHERE c.tenant_id = h.tenant_id),
        0);
    "#,
];
