-- 0005-catalog.sql
--
-- The catalog read table: one denormalised row per product, kept up to date from product changes by
-- the catalog projection (queued background work). The listing endpoint reads this table only: no
-- joins at query time. It may be read from a streaming replica.
--
-- * version is the product aggregate's version. The projection writes a row only when the incoming
--   version is greater, so re-delivered and reordered events never move a row backwards.
-- * A deleted product stays as a tombstone (deleted = true) with its version, so a late, older event
--   cannot bring it back.
-- * previous_category is the category before the change that wrote this version: a re-delivered event
--   can still invalidate the listings of both the old and the new category.
-- * price is the amount in the reference currency (USD unless configured otherwise), NULL when the
--   product has no price in it; such products sort last by price.
-- * The partial indexes serve each sort with and without a category filter, ties broken by id.

CREATE TABLE IF NOT EXISTS catalog_product
(
    id                text          PRIMARY KEY,
    version           bigint        NOT NULL,
    deleted           boolean       NOT NULL DEFAULT false,
    name              text          NOT NULL,
    category          text          NOT NULL,
    previous_category text          NULL,
    price_currency    text          NULL,
    price             numeric(14,2) NULL,
    rating            double precision NOT NULL DEFAULT 0,
    review_count      bigint        NOT NULL DEFAULT 0,
    created_at        timestamptz   NOT NULL,
    updated_at        timestamptz   NOT NULL
);

CREATE INDEX IF NOT EXISTS catalog_product_category_newest
    ON catalog_product (category, created_at DESC, id) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS catalog_product_category_price
    ON catalog_product (category, price ASC NULLS LAST, id) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS catalog_product_category_rating
    ON catalog_product (category, rating DESC, id) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS catalog_product_newest
    ON catalog_product (created_at DESC, id) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS catalog_product_price
    ON catalog_product (price ASC NULLS LAST, id) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS catalog_product_rating
    ON catalog_product (rating DESC, id) WHERE NOT deleted;
