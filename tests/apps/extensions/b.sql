-- The extension-heavy application, version 2: names searched by similarity
-- with a GiST index too, handles as citext with a trigram index, API keys
-- digested by a generated column from their text, and a function using
-- similarity to find an account.
CREATE EXTENSION citext;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION pg_trgm;

CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email citext NOT NULL UNIQUE,
    handle citext UNIQUE,
    name text NOT NULL,
    password_hash text NOT NULL
);
CREATE INDEX accounts_name_trgm ON accounts USING gin (name gin_trgm_ops);
CREATE INDEX accounts_name_trgm_gist ON accounts USING gist (name gist_trgm_ops);
CREATE INDEX accounts_handle_trgm ON accounts USING gin ((handle::text) gin_trgm_ops);

CREATE FUNCTION set_password(account uuid, password text) RETURNS void LANGUAGE sql AS $$
    UPDATE accounts SET password_hash = crypt(password, gen_salt('bf', 10)) WHERE id = account
$$;

CREATE FUNCTION check_password(account uuid, password text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT password_hash = crypt(password, password_hash) FROM accounts WHERE id = account
$$;

CREATE FUNCTION find_account(query text) RETURNS SETOF accounts LANGUAGE sql STABLE AS $$
    SELECT * FROM accounts WHERE name % query ORDER BY similarity(name, query) DESC LIMIT 10
$$;

CREATE TABLE api_keys (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key_text text NOT NULL,
    key_digest bytea GENERATED ALWAYS AS (digest(key_text, 'sha256')) STORED,
    label citext,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key_digest)
);
