-- +goose Up

-- Issue 16: product categories, the structured Indian delivery address and
-- the payment method. Columns only: the previous release keeps working on
-- this schema during a blue/green flip (it writes the defaults; every order
-- keeps the one-text customer_address it reads). A constant default makes
-- each ADD COLUMN a catalog change, with no table rewrite.
ALTER TABLE products ADD COLUMN category text NOT NULL DEFAULT '';

ALTER TABLE orders
    ADD COLUMN customer_address_line1 text NOT NULL DEFAULT '',
    ADD COLUMN customer_address_line2 text NOT NULL DEFAULT '',
    ADD COLUMN customer_city          text NOT NULL DEFAULT '',
    ADD COLUMN customer_state         text NOT NULL DEFAULT '',
    ADD COLUMN customer_pin_code      text NOT NULL DEFAULT '',
    -- '' for orders placed before the method was recorded.
    ADD COLUMN payment_method         text NOT NULL DEFAULT '';

-- The products every store was seeded with before categories existed.
UPDATE products SET category = 'electronics'
    WHERE id IN ('dell-inspiron-15', 'samsung-43-4k-tv', 'boat-airdopes-141', 'mi-power-bank-20k', 'sony-wh-1000xm5');
UPDATE products SET category = 'appliances'
    WHERE id IN ('lg-front-load-washer', 'whirlpool-double-door-fridge', 'prestige-induction-cooktop');

-- +goose Down
ALTER TABLE orders
    DROP COLUMN payment_method,
    DROP COLUMN customer_pin_code,
    DROP COLUMN customer_state,
    DROP COLUMN customer_city,
    DROP COLUMN customer_address_line2,
    DROP COLUMN customer_address_line1;
ALTER TABLE products DROP COLUMN category;
