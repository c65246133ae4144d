-- An e-commerce application, version 1: customers, a catalogue, orders and
-- their lines, stock, functions that price an order (one calling another,
-- SQL-standard bodies), a trigger that keeps stock, and the views the shop
-- front and the back office read. (Written for this suite in the shape
-- such applications take.)
CREATE SCHEMA shop;

CREATE TABLE shop.customers (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    created_at timestamp NOT NULL DEFAULT now()
);

CREATE TABLE shop.products (
    id serial PRIMARY KEY,
    sku varchar(32) NOT NULL,
    title text NOT NULL,
    price numeric(10, 2) NOT NULL CHECK (price >= 0),
    active boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX products_sku ON shop.products (sku);
CREATE INDEX products_title ON shop.products (lower(title));

CREATE TABLE shop.orders (
    id serial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES shop.customers (id),
    status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid', 'shipped', 'cancelled')),
    placed_at timestamp NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer ON shop.orders (customer_id, placed_at);

CREATE TABLE shop.order_lines (
    order_id integer NOT NULL REFERENCES shop.orders (id) ON DELETE CASCADE,
    line integer NOT NULL,
    product_id integer NOT NULL REFERENCES shop.products (id),
    quantity integer NOT NULL CHECK (quantity > 0),
    unit_price numeric(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line)
);

CREATE TABLE shop.stock (
    product_id integer PRIMARY KEY REFERENCES shop.products (id),
    on_hand integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0)
);

CREATE FUNCTION shop.line_total(quantity integer, unit_price numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    BEGIN ATOMIC
        SELECT quantity * unit_price;
    END;

CREATE FUNCTION shop.order_total(order_id integer) RETURNS numeric
    LANGUAGE sql STABLE
    BEGIN ATOMIC
        SELECT coalesce(sum(shop.line_total(l.quantity, l.unit_price)), 0)
        FROM shop.order_lines l WHERE l.order_id = order_total.order_id;
    END;

CREATE FUNCTION shop.take_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE shop.stock SET on_hand = on_hand - NEW.quantity WHERE product_id = NEW.product_id;
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
    FROM shop.customers c LEFT JOIN shop.order_summaries s ON s.customer_id = c.id AND s.status <> 'cancelled'
    GROUP BY c.id, c.email;

CREATE MATERIALIZED VIEW shop.catalogue AS
    SELECT p.id, p.sku, p.title, p.price, coalesce(s.on_hand, 0) AS on_hand
    FROM shop.products p LEFT JOIN shop.stock s ON s.product_id = p.id
    WHERE p.active;
CREATE UNIQUE INDEX catalogue_id ON shop.catalogue (id);
