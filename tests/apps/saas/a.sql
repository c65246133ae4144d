-- A multi-tenant SaaS application, version 1: tenants and their users,
-- projects, an append-only event log partitioned by month, row-level
-- security keyed on the session's tenant, an audit trigger and reporting
-- views. (Written for this suite in the shape such applications take.)
CREATE EXTENSION IF NOT EXISTS citext;
CREATE SCHEMA app;
CREATE SCHEMA reporting;

CREATE TYPE app.role AS ENUM ('owner', 'admin', 'member');

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
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]+$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER tenants_touch BEFORE UPDATE ON app.tenants FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email citext NOT NULL UNIQUE,
    display_name text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.memberships (
    tenant_id bigint NOT NULL REFERENCES app.tenants (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
    role app.role NOT NULL DEFAULT 'member',
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user ON app.memberships (user_id);

CREATE TABLE app.projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES app.tenants (id) ON DELETE CASCADE,
    name text NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    settings jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);
CREATE TRIGGER projects_touch BEFORE UPDATE ON app.projects FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
ALTER TABLE app.projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON app.projects USING (tenant_id = app.current_tenant());

CREATE TABLE app.events (
    tenant_id bigint NOT NULL,
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    kind text NOT NULL,
    payload jsonb,
    PRIMARY KEY (tenant_id, at, id)
) PARTITION BY RANGE (at);
CREATE SEQUENCE app.events_id_seq;
ALTER TABLE app.events ALTER COLUMN id SET DEFAULT nextval('app.events_id_seq');
CREATE TABLE app.events_2026_11 PARTITION OF app.events FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
CREATE TABLE app.events_2026_12 PARTITION OF app.events FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');
CREATE INDEX events_kind ON app.events (tenant_id, kind);
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
CREATE FUNCTION app.audit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = app, pg_temp AS $$
BEGIN
    INSERT INTO app.audit_log (tenant_id, table_name, op, row_data)
    VALUES (app.current_tenant(), TG_TABLE_NAME, TG_OP, to_jsonb(coalesce(NEW, OLD)));
    RETURN coalesce(NEW, OLD);
END
$$;
CREATE TRIGGER projects_audit AFTER INSERT OR UPDATE OR DELETE ON app.projects
    FOR EACH ROW EXECUTE FUNCTION app.audit();

CREATE VIEW reporting.active_projects AS
    SELECT p.id, p.tenant_id, t.slug AS tenant, p.name
    FROM app.projects p JOIN app.tenants t ON t.id = p.tenant_id
    WHERE NOT p.archived;

CREATE MATERIALIZED VIEW reporting.events_per_day AS
    SELECT tenant_id, date_trunc('day', at) AS day, count(*) AS n
    FROM app.events GROUP BY 1, 2;
CREATE UNIQUE INDEX events_per_day_key ON reporting.events_per_day (tenant_id, day);

COMMENT ON TABLE app.events IS 'append-only, partitioned by month';
