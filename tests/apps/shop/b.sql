-- The e-commerce application, version 2: order status becomes an enum,
-- money gets two more digits and totals are rounded (a function's return
-- type changes, so it and what calls it are re-created), discounts per line,
-- a shipping address type, case-insensitive SKU search with an operator
-- class, customers' emails kept lower case by a check, the catalogue with
-- its own storage setting, and a view that only the back office reads.
CREATE SCHEMA shop;

CREATE TYPE shop.order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled', 'refunded');
CREATE TYPE shop.address AS (street text, city text, postcode varchar(16), country char(2));

CREATE TABLE shop.customers (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE CONSTRAINT customers_email_lower CHECK (email = lower(email)),
    name text NOT NULL,
    default_address shop.address,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop.products (
    id serial PRIMARY KEY,
    sku varchar(32) NOT NULL,
    title text NOT NULL,
    price numeric(12, 2) NOT NULL CHECK (price >= 0),
    active boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX products_sku ON shop.products (sku);
CREATE INDEX products_sku_prefix ON shop.products (sku varchar_pattern_ops);
CREATE INDEX products_title ON shop.products (lower(title));

CREATE TABLE shop.orders (
    id serial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES shop.customers (id) ON DELETE RESTRICT,
    status shop.order_status NOT NULL DEFAULT 'new',
    ship_to shop.address,
    placed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer ON shop.orders (customer_id, placed_at DESC);
CREATE INDEX orders_open ON shop.orders (placed_at) WHERE status IN ('new', 'paid');

CREATE TABLE shop.order_lines (
    order_id integer NOT NULL REFERENCES shop.orders (id) ON DELETE CASCADE,
    line integer NOT NULL,
    product_id integer NOT NULL REFERENCES shop.products (id),
    quantity integer NOT NULL CHECK (quantity > 0),
    unit_price numeric(12, 2) NOT NULL,
    discount numeric(5, 2) NOT NULL DEFAULT 0 CHECK (discount BETWEEN 0 AND 100),
    PRIMARY KEY (order_id, line)
);

CREATE TABLE shop.stock (
    product_id integer PRIMARY KEY REFERENCES shop.products (id) ON DELETE CASCADE,
    on_hand integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved integer NOT NULL DEFAULT 0
);

CREATE FUNCTION shop.line_total(quantity integer, unit_price numeric, discount numeric DEFAULT 0) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    BEGIN ATOMIC
        SELECT quantity * unit_price * (1 - discount / 100);
    END;

CREATE FUNCTION shop.order_total(order_id integer) RETURNS numeric(12, 2)
    LANGUAGE sql STABLE
    BEGIN ATOMIC
        SELECT round(coalesce(sum(shop.line_total(l.quantity, l.unit_price, l.discount)), 0), 2)
        FROM shop.order_lines l WHERE l.order_id = order_total.order_id;
    END;

CREATE FUNCTION shop.take_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE shop.stock SET on_hand = on_hand - NEW.quantity, reserved = greatest(reserved - NEW.quantity, 0)
    WHERE product_id = NEW.product_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER order_lines_stock AFTER INSERT ON shop.order_lines
    FOR EACH ROW EXECUTE FUNCTION shop.take_stock();

CREATE VIEW shop.order_summaries AS
    SELECT o.id, o.customer_id, o.status, o.placed_at, shop.order_total(o.id) AS total
    FROM shop.orders o;

CREATE VIEW shop.customer_spend AS
    SELECT c.id, c.email, coalesce(sum(s.total), 0) AS spent
    FROM shop.customers c
    LEFT JOIN shop.order_summaries s ON s.customer_id = c.id AND s.status NOT IN ('cancelled', 'refunded')
    GROUP BY c.id, c.email;

CREATE VIEW shop.back_office_orders WITH (security_barrier) AS
    SELECT s.*, c.email FROM shop.order_summaries s JOIN shop.customers c ON c.id = s.customer_id;

CREATE MATERIALIZED VIEW shop.catalogue WITH (fillfactor = 90) AS
    SELECT p.id, p.sku, p.title, p.price, coalesce(s.on_hand - s.reserved, 0) AS available
    FROM shop.products p LEFT JOIN shop.stock s ON s.product_id = p.id
    WHERE p.active;
CREATE UNIQUE INDEX catalogue_id ON shop.catalogue (id);
