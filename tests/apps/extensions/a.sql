-- An application leaning on extensions, version 1: case-insensitive emails
-- (citext), hashed passwords (pgcrypto), fuzzy search on names (pg_trgm).
-- (Written for this suite in the shape such applications take.)
CREATE EXTENSION citext;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION pg_trgm;

CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email citext NOT NULL UNIQUE,
    name text NOT NULL,
    password_hash text NOT NULL
);
CREATE INDEX accounts_name_trgm ON accounts USING gin (name gin_trgm_ops);

CREATE FUNCTION set_password(account uuid, password text) RETURNS void LANGUAGE sql AS $$
    UPDATE accounts SET password_hash = crypt(password, gen_salt('bf')) WHERE id = account
$$;

CREATE FUNCTION check_password(account uuid, password text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT password_hash = crypt(password, password_hash) FROM accounts WHERE id = account
$$;

CREATE TABLE api_keys (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key_digest bytea NOT NULL,
    label text,
    PRIMARY KEY (account_id, key_digest)
);
