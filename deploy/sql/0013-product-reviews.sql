-- 0013-product-reviews.sql
--
-- A product's reviews as rows, one per review, instead of review-page documents of 50 reviews plus a
-- review-claim document per (product, reviewer). Accepting a review used to cost a claim read, a claim
-- write and a page write before the product's own write; now it is one statement, and "has this user
-- reviewed this product?" is the unique key (product_id, user_id) of that same statement.
--
-- * number is the review's position in acceptance order, from 0. The product document's review count is
--   the commit point: a row whose number is not below the count belongs to an attempt that died before the
--   product's write, and the next review of the product replaces it (the product grain deletes the row at
--   the number it is about to use, in the same transaction as its insert).
-- * Single-table statements only (no joins), like the rest of the schema.
-- * The product grain moves a product's old review pages into these rows when it first activates.

CREATE TABLE IF NOT EXISTS product_review
(
    product_id text        NOT NULL,
    number     bigint      NOT NULL CHECK (number >= 0),
    review_id  text        NOT NULL,
    user_id    text        NOT NULL,
    rating     smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text       text        NOT NULL,
    created_at timestamptz NOT NULL,

    CONSTRAINT product_review_pk PRIMARY KEY (product_id, number),
    CONSTRAINT product_review_one_per_user UNIQUE (product_id, user_id)
);
