-- +goose Up

-- Issue 18: every order a checkout batch writes landed on its own leaf page
-- of each index that starts with shopper_id, because the orders of one batch
-- come from different shoppers. Two such indexes, UNIQUE (shopper_id,
-- idempotency_key) and this one, cost about 80 of the 133 pages a 32-order
-- batch wrote to the WAL, and this index alone about a quarter of the hot
-- product's checkout throughput. The unique index also finds a shopper's
-- orders: it holds shopper_id and seq (the rowid), so "my orders" reads the
-- shopper's entries from it and sorts their seqs (service/sqlite/stmts.go,
-- ordersPage). A page then reads all of that one shopper's index entries,
-- which a shopper's order history keeps small (2.4 ms for a page at 10,000
-- orders, 1.9 ms with this index); a checkout pays nothing for it.
-- PostgreSQL keeps its index (its 00006 changes nothing): its hot-SKU
-- benchmark meets its target with it.
DROP INDEX orders_shopper_seq;

-- +goose Down
CREATE INDEX orders_shopper_seq ON orders (shopper_id, seq DESC);
