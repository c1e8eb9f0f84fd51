-- 0010-user-indexes.sql
--
-- Two per-user indexes that used to be one grain-state document each, rewritten whole on every change
-- (a catalogue import made one reviewer's "user-reviews" row 757 KB, and every review cost more than the
-- one before). As rows, adding the 10,000th entry costs one small INSERT, as the first did. The owning
-- grains (user-reviews, author-articles) move a user's old document into these rows when they first
-- activate, then delete it.
--
-- * Single-table statements only (no joins), like the rest of the schema.
-- * The primary keys make a repeated insert a no-op (INSERT … ON CONFLICT DO NOTHING): a review event
--   delivered twice, or a carry-over repeated after a crash, adds nothing.
-- * Each table has one index for its paged read, so a page costs the same however long the history is.

-- user_review: every review a user wrote, newest first by created_at (ties by review_id).
CREATE TABLE IF NOT EXISTS user_review
(
    user_id    text        NOT NULL,
    review_id  text        NOT NULL,
    product_id text        NOT NULL,
    rating     smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text       text        NOT NULL,
    created_at timestamptz NOT NULL,

    CONSTRAINT user_review_pk PRIMARY KEY (user_id, review_id)
);

CREATE INDEX IF NOT EXISTS user_review_newest
    ON user_review (user_id, created_at DESC, review_id DESC);

-- author_article: the slugs of the articles a user created, in the order they were recorded (position,
-- from one sequence shared by all authors). An entry may name an article whose first save failed
-- half-way; readers check the article's author.
CREATE TABLE IF NOT EXISTS author_article
(
    author_id   text        NOT NULL,
    slug        text        NOT NULL,
    position    bigint      GENERATED ALWAYS AS IDENTITY,
    recorded_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT author_article_pk PRIMARY KEY (author_id, slug)
);

CREATE INDEX IF NOT EXISTS author_article_oldest
    ON author_article (author_id, position);
