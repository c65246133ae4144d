-- The SaaS application, version 2: plans per tenant, a slug domain, a
-- month more of events with their own storage settings, events read by a
-- change-data-capture feed (replica identity full), an index on the event
-- log by time, projects with a soft-delete timestamp instead of a flag, an
-- analytics role that sees some columns only, and reporting that follows.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE SCHEMA app;
CREATE SCHEMA reporting;

CREATE TYPE app.role AS ENUM ('owner', 'admin', 'member', 'viewer');
CREATE TYPE app.plan AS ENUM ('free', 'team', 'enterprise');
CREATE DOMAIN app.slug AS text CONSTRAINT slug_format CHECK (VALUE ~ '^[a-z0-9-]+$');

CREATE FUNCTION app.current_tenant() RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::bigint $$;

CREATE FUNCTION app.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TABLE app.tenants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    slug app.slug NOT NULL UNIQUE,
    plan app.plan NOT NULL DEFAULT 'free',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER tenants_touch BEFORE UPDATE ON app.tenants FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email citext NOT NULL UNIQUE,
    display_name text,
    last_seen_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.memberships (
    tenant_id bigint NOT NULL REFERENCES app.tenants (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
    role app.role NOT NULL DEFAULT 'member',
    invited_by bigint REFERENCES app.users (id) ON DELETE SET NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user ON app.memberships (user_id);

CREATE TABLE app.projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES app.tenants (id) ON DELETE CASCADE,
    name text NOT NULL,
    archived_at timestamptz,
    settings jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);
CREATE TRIGGER projects_touch BEFORE UPDATE ON app.projects FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
ALTER TABLE app.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON app.projects USING (tenant_id = app.current_tenant())
    WITH CHECK (tenant_id = app.current_tenant());

CREATE TABLE app.events (
    tenant_id bigint NOT NULL,
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    kind text NOT NULL,
    payload jsonb,
    PRIMARY KEY (tenant_id, at, id)
) PARTITION BY RANGE (at);
CREATE SEQUENCE app.events_id_seq CACHE 50;
ALTER TABLE app.events ALTER COLUMN id SET DEFAULT nextval('app.events_id_seq');
ALTER TABLE app.events REPLICA IDENTITY FULL;
CREATE TABLE app.events_2026_11 PARTITION OF app.events FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
CREATE TABLE app.events_2026_12 PARTITION OF app.events FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');
CREATE TABLE app.events_2027_01 PARTITION OF app.events FOR VALUES FROM ('2027-01-01') TO ('2027-02-01')
    WITH (fillfactor = 100, autovacuum_vacuum_scale_factor = 0.01);
ALTER TABLE app.events_2026_11 REPLICA IDENTITY FULL;
ALTER TABLE app.events_2026_12 REPLICA IDENTITY FULL;
ALTER TABLE app.events_2027_01 REPLICA IDENTITY FULL;
CREATE INDEX events_kind ON app.events (tenant_id, kind);
CREATE INDEX events_at ON app.events USING brin (at);
ALTER TABLE app.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY events_tenant ON app.events USING (tenant_id = app.current_tenant());

CREATE TABLE app.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint,
    table_name text NOT NULL,
    op text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    row_data jsonb
);
CREATE INDEX audit_log_tenant_at ON app.audit_log (tenant_id, at DESC);
CREATE FUNCTION app.audit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = app, pg_temp AS $$
BEGIN
    INSERT INTO app.audit_log (tenant_id, table_name, op, row_data)
    VALUES (app.current_tenant(), TG_TABLE_NAME, TG_OP, to_jsonb(coalesce(NEW, OLD)));
    RETURN coalesce(NEW, OLD);
END
$$;
CREATE TRIGGER projects_audit AFTER INSERT OR UPDATE OR DELETE ON app.projects
    FOR EACH ROW EXECUTE FUNCTION app.audit();
CREATE TRIGGER memberships_audit AFTER INSERT OR UPDATE OR DELETE ON app.memberships
    FOR EACH ROW EXECUTE FUNCTION app.audit();

CREATE VIEW reporting.active_projects AS
    SELECT p.id, p.tenant_id, t.slug AS tenant, t.plan, p.name
    FROM app.projects p JOIN app.tenants t ON t.id = p.tenant_id
    WHERE p.archived_at IS NULL;

CREATE MATERIALIZED VIEW reporting.events_per_day AS
    SELECT tenant_id, date_trunc('day', at) AS day, kind, count(*) AS n
    FROM app.events GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX events_per_day_key ON reporting.events_per_day (tenant_id, day, kind);

COMMENT ON TABLE app.events IS 'append-only, partitioned by month, replicated to the warehouse';
COMMENT ON COLUMN app.projects.archived_at IS 'set when archived; NULL while active';

GRANT SELECT (id, tenant_id, name, archived_at) ON app.projects TO migrate_host_test_reader;
GRANT SELECT ON reporting.active_projects TO migrate_host_test_reader;
