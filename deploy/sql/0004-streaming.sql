-- 0004-streaming.sql
--
-- Durable stream queues for Microsoft.Orleans.Streaming.AdoNet
-- (AddAdoNetStreams), with the six OrleansQuery rows it requires:
--   QueueStreamMessageKey, GetStreamMessagesKey, ConfirmStreamMessagesKey,
--   FailStreamMessageKey, EvictStreamMessagesKey, EvictStreamDeadLettersKey
--
-- Contract with the provider (all timeouts arrive as whole seconds):
-- * Queue: a publisher inserts one message (a serialized event batch) into
--   queue (ServiceId, ProviderId, QueueId); it expires ExpiryTimeout seconds
--   later. MessageId comes from an identity column, so ids grow over time and
--   a queue is read in MessageId order.
-- * Get: a pulling agent takes up to MaxCount visible, unexpired messages that
--   were handed out fewer than MaxAttempts times, increments their "dequeued"
--   counter and hides them for VisibilityTimeout seconds. Delivery is
--   at-least-once: a message that is not confirmed in time is handed out again.
-- * Confirm: Items is "MessageId:Receipt|MessageId:Receipt|...", where the
--   receipt is the dequeued counter the agent got. A positive receipt deletes
--   the message (delivered); a negative receipt makes it visible again at once
--   (the agent is shutting down). Either only acts if the counter still equals
--   the receipt, so an agent whose lease expired and was handed to another
--   cannot confirm or release the other's copy. The affected messages are
--   returned.
-- * Fail: a delivery failure makes the message visible again while attempts
--   remain, otherwise moves it to the dead letters.
-- * Evict: messages that used up their attempts or expired (and are not
--   currently leased) move to orleans_stream_dead_letter, which keeps them for
--   RemovalTimeout seconds before they are deleted. The provider does this
--   opportunistically inside Get, at most once per EvictionInterval per queue
--   across the whole cluster; orleans_stream_control holds that schedule.
--
-- Choices:
-- * Timestamps are timestamptz computed by the database (no DateTime is
--   bound); they are read back as UTC DateTimes, which the provider compares
--   with DateTime.UtcNow.
-- * Get and eviction lock rows with FOR UPDATE SKIP LOCKED, so concurrent
--   pollers never wait on each other; Confirm locks its rows in MessageId
--   order, so two confirmers cannot deadlock.
-- * Result columns are aliased in quoted PascalCase because the provider reads
--   them by those names; tables and functions keep lower-case snake_case.

CREATE TABLE IF NOT EXISTS orleans_stream_message
(
    service_id  text        NOT NULL,
    provider_id text        NOT NULL,
    queue_id    text        NOT NULL,
    message_id  bigint      GENERATED ALWAYS AS IDENTITY,
    dequeued    integer     NOT NULL DEFAULT 0,
    visible_on  timestamptz NOT NULL,
    expires_on  timestamptz NOT NULL,
    created_on  timestamptz NOT NULL,
    modified_on timestamptz NOT NULL,
    payload     bytea       NOT NULL,

    CONSTRAINT orleans_stream_message_pk
        PRIMARY KEY (service_id, provider_id, queue_id, message_id)
);

CREATE TABLE IF NOT EXISTS orleans_stream_dead_letter
(
    service_id  text        NOT NULL,
    provider_id text        NOT NULL,
    queue_id    text        NOT NULL,
    message_id  bigint      NOT NULL,
    dequeued    integer     NOT NULL,
    visible_on  timestamptz NOT NULL,
    expires_on  timestamptz NOT NULL,
    created_on  timestamptz NOT NULL,
    modified_on timestamptz NOT NULL,
    dead_on     timestamptz NOT NULL,
    remove_on   timestamptz NOT NULL,
    payload     bytea       NOT NULL,

    CONSTRAINT orleans_stream_dead_letter_pk
        PRIMARY KEY (service_id, provider_id, queue_id, message_id)
);

CREATE INDEX IF NOT EXISTS orleans_stream_dead_letter_remove_on_ix
    ON orleans_stream_dead_letter (service_id, provider_id, queue_id, remove_on);

CREATE TABLE IF NOT EXISTS orleans_stream_control
(
    service_id  text        NOT NULL,
    provider_id text        NOT NULL,
    queue_id    text        NOT NULL,
    evict_on    timestamptz NOT NULL,

    CONSTRAINT orleans_stream_control_pk
        PRIMARY KEY (service_id, provider_id, queue_id)
);

COMMENT ON TABLE orleans_stream_message IS
    'Orleans ADO.NET stream queues: pending event batches (at-least-once).';
COMMENT ON TABLE orleans_stream_dead_letter IS
    'Stream messages that failed or expired; deleted after remove_on.';
COMMENT ON TABLE orleans_stream_control IS
    'Per-queue schedule of the next opportunistic eviction.';

-- Moves up to p_max_count messages that used up their attempts or expired, and
-- are not leased right now, to the dead letters. Returns how many moved.
CREATE OR REPLACE FUNCTION orleans_stream_evict_messages(
    p_service_id      text,
    p_provider_id     text,
    p_queue_id        text,
    p_max_count       integer,
    p_max_attempts    integer,
    p_removal_timeout integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_now   timestamptz := now();
    v_moved integer;
BEGIN
    WITH doomed AS (
        SELECT m.message_id
          FROM orleans_stream_message AS m
         WHERE m.service_id = p_service_id
           AND m.provider_id = p_provider_id
           AND m.queue_id = p_queue_id
           AND m.visible_on <= v_now
           AND (m.dequeued >= p_max_attempts OR m.expires_on <= v_now)
         ORDER BY m.message_id
         LIMIT p_max_count
           FOR UPDATE SKIP LOCKED
    ),
    removed AS (
        DELETE FROM orleans_stream_message AS m
         USING doomed AS d
         WHERE m.service_id = p_service_id
           AND m.provider_id = p_provider_id
           AND m.queue_id = p_queue_id
           AND m.message_id = d.message_id
        RETURNING m.*
    )
    INSERT INTO orleans_stream_dead_letter
        (service_id, provider_id, queue_id, message_id, dequeued, visible_on,
         expires_on, created_on, modified_on, dead_on, remove_on, payload)
    SELECT r.service_id, r.provider_id, r.queue_id, r.message_id, r.dequeued, r.visible_on,
           r.expires_on, r.created_on, r.modified_on, v_now,
           v_now + p_removal_timeout * interval '1 second', r.payload
      FROM removed AS r;

    GET DIAGNOSTICS v_moved = ROW_COUNT;
    RETURN v_moved;
END
$fn$;

-- Deletes up to p_max_count dead letters whose retention ended. Returns how
-- many were deleted.
CREATE OR REPLACE FUNCTION orleans_stream_evict_dead_letters(
    p_service_id  text,
    p_provider_id text,
    p_queue_id    text,
    p_max_count   integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_now     timestamptz := now();
    v_deleted integer;
BEGIN
    WITH expired AS (
        SELECT d.message_id
          FROM orleans_stream_dead_letter AS d
         WHERE d.service_id = p_service_id
           AND d.provider_id = p_provider_id
           AND d.queue_id = p_queue_id
           AND d.remove_on <= v_now
         ORDER BY d.remove_on
         LIMIT p_max_count
           FOR UPDATE SKIP LOCKED
    )
    DELETE FROM orleans_stream_dead_letter AS d
     USING expired AS e
     WHERE d.service_id = p_service_id
       AND d.provider_id = p_provider_id
       AND d.queue_id = p_queue_id
       AND d.message_id = e.message_id;

    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    RETURN v_deleted;
END
$fn$;

-- Leases the next visible messages of a queue, running the queue's eviction
-- first when it is due and no other poller is running it.
CREATE OR REPLACE FUNCTION orleans_stream_get(
    p_service_id          text,
    p_provider_id         text,
    p_queue_id            text,
    p_max_count           integer,
    p_max_attempts        integer,
    p_visibility_timeout  integer,
    p_removal_timeout     integer,
    p_eviction_interval   integer,
    p_eviction_batch_size integer)
RETURNS SETOF orleans_stream_message
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_now      timestamptz := now();
    v_evict_on timestamptz;
BEGIN
    SELECT c.evict_on
      INTO v_evict_on
      FROM orleans_stream_control AS c
     WHERE c.service_id = p_service_id
       AND c.provider_id = p_provider_id
       AND c.queue_id = p_queue_id;

    IF NOT FOUND THEN
        -- first poll of this queue: schedule an eviction right away
        INSERT INTO orleans_stream_control
            (service_id, provider_id, queue_id, evict_on)
        VALUES (p_service_id, p_provider_id, p_queue_id, v_now)
        ON CONFLICT ON CONSTRAINT orleans_stream_control_pk DO NOTHING;
        v_evict_on := v_now;
    END IF;

    IF v_evict_on <= v_now THEN
        -- claim this round of eviction; whoever holds the row already has it
        PERFORM 1
           FROM orleans_stream_control AS c
          WHERE c.service_id = p_service_id
            AND c.provider_id = p_provider_id
            AND c.queue_id = p_queue_id
            AND c.evict_on <= v_now
            FOR UPDATE SKIP LOCKED;

        IF FOUND THEN
            UPDATE orleans_stream_control AS c
               SET evict_on = v_now + p_eviction_interval * interval '1 second'
             WHERE c.service_id = p_service_id
               AND c.provider_id = p_provider_id
               AND c.queue_id = p_queue_id;

            PERFORM orleans_stream_evict_messages(
                p_service_id, p_provider_id, p_queue_id,
                p_eviction_batch_size, p_max_attempts, p_removal_timeout);
            PERFORM orleans_stream_evict_dead_letters(
                p_service_id, p_provider_id, p_queue_id, p_eviction_batch_size);
        END IF;
    END IF;

    RETURN QUERY
    WITH batch AS (
        SELECT m.message_id
          FROM orleans_stream_message AS m
         WHERE m.service_id = p_service_id
           AND m.provider_id = p_provider_id
           AND m.queue_id = p_queue_id
           AND m.visible_on <= v_now
           AND m.expires_on > v_now
           AND m.dequeued < p_max_attempts
         ORDER BY m.message_id
         LIMIT p_max_count
           FOR UPDATE SKIP LOCKED
    )
    UPDATE orleans_stream_message AS m
       SET dequeued = m.dequeued + 1,
           visible_on = v_now + p_visibility_timeout * interval '1 second',
           modified_on = v_now
      FROM batch AS b
     WHERE m.service_id = p_service_id
       AND m.provider_id = p_provider_id
       AND m.queue_id = p_queue_id
       AND m.message_id = b.message_id
    RETURNING m.*;
END
$fn$;

-- Applies delivery receipts "id:receipt|id:receipt": positive receipts delete
-- (confirm), negative ones make the message visible again (release). Returns
-- the messages acted upon.
CREATE OR REPLACE FUNCTION orleans_stream_confirm(
    p_service_id  text,
    p_provider_id text,
    p_queue_id    text,
    p_items       text)
RETURNS TABLE (service_id text, provider_id text, queue_id text, message_id bigint)
LANGUAGE sql
AS $fn$
    WITH receipts AS (
        SELECT split_part(item, ':', 1)::bigint  AS message_id,
               split_part(item, ':', 2)::integer AS receipt
          FROM unnest(string_to_array(p_items, '|')) AS item
         WHERE item <> ''
    ),
    matched AS (
        SELECT m.message_id, r.receipt
          FROM orleans_stream_message AS m
          JOIN receipts AS r
            ON r.message_id = m.message_id
           AND abs(r.receipt) = m.dequeued
         WHERE m.service_id = p_service_id
           AND m.provider_id = p_provider_id
           AND m.queue_id = p_queue_id
         ORDER BY m.message_id
           FOR UPDATE OF m
    ),
    released AS (
        UPDATE orleans_stream_message AS m
           SET visible_on = now(),
               modified_on = now()
          FROM matched AS x
         WHERE x.receipt < 0
           AND m.service_id = p_service_id
           AND m.provider_id = p_provider_id
           AND m.queue_id = p_queue_id
           AND m.message_id = x.message_id
        RETURNING m.service_id, m.provider_id, m.queue_id, m.message_id
    ),
    confirmed AS (
        DELETE FROM orleans_stream_message AS m
         USING matched AS x
         WHERE x.receipt > 0
           AND m.service_id = p_service_id
           AND m.provider_id = p_provider_id
           AND m.queue_id = p_queue_id
           AND m.message_id = x.message_id
        RETURNING m.service_id, m.provider_id, m.queue_id, m.message_id
    )
    SELECT * FROM released
    UNION ALL
    SELECT * FROM confirmed;
$fn$;

-- Handles a failed delivery: retry while attempts remain, else dead-letter.
CREATE OR REPLACE FUNCTION orleans_stream_fail(
    p_service_id      text,
    p_provider_id     text,
    p_queue_id        text,
    p_message_id      bigint,
    p_max_attempts    integer,
    p_removal_timeout integer)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_now timestamptz := now();
BEGIN
    UPDATE orleans_stream_message AS m
       SET visible_on = v_now,
           modified_on = v_now
     WHERE m.service_id = p_service_id
       AND m.provider_id = p_provider_id
       AND m.queue_id = p_queue_id
       AND m.message_id = p_message_id
       AND m.dequeued < p_max_attempts;

    IF FOUND THEN
        RETURN;
    END IF;

    WITH removed AS (
        DELETE FROM orleans_stream_message AS m
         WHERE m.service_id = p_service_id
           AND m.provider_id = p_provider_id
           AND m.queue_id = p_queue_id
           AND m.message_id = p_message_id
        RETURNING m.*
    )
    INSERT INTO orleans_stream_dead_letter
        (service_id, provider_id, queue_id, message_id, dequeued, visible_on,
         expires_on, created_on, modified_on, dead_on, remove_on, payload)
    SELECT r.service_id, r.provider_id, r.queue_id, r.message_id, r.dequeued, r.visible_on,
           r.expires_on, r.created_on, r.modified_on, v_now,
           v_now + p_removal_timeout * interval '1 second', r.payload
      FROM removed AS r;
END
$fn$;

INSERT INTO orleansquery (querykey, querytext)
VALUES
(
    'QueueStreamMessageKey',
    $q$INSERT INTO orleans_stream_message AS m
    (service_id, provider_id, queue_id, dequeued, visible_on, expires_on,
     created_on, modified_on, payload)
VALUES
    (@ServiceId, @ProviderId, @QueueId, 0, now(),
     now() + @ExpiryTimeout * interval '1 second', now(), now(), @Payload)
RETURNING m.service_id  AS "ServiceId",
          m.provider_id AS "ProviderId",
          m.queue_id    AS "QueueId",
          m.message_id  AS "MessageId"$q$
),
(
    'GetStreamMessagesKey',
    $q$SELECT g.service_id  AS "ServiceId",
       g.provider_id AS "ProviderId",
       g.queue_id    AS "QueueId",
       g.message_id  AS "MessageId",
       g.dequeued    AS "Dequeued",
       g.visible_on  AS "VisibleOn",
       g.expires_on  AS "ExpiresOn",
       g.created_on  AS "CreatedOn",
       g.modified_on AS "ModifiedOn",
       g.payload     AS "Payload"
  FROM orleans_stream_get(
       @ServiceId, @ProviderId, @QueueId, @MaxCount, @MaxAttempts,
       @VisibilityTimeout, @RemovalTimeout, @EvictionInterval,
       @EvictionBatchSize) AS g$q$
),
(
    'ConfirmStreamMessagesKey',
    $q$SELECT c.service_id  AS "ServiceId",
       c.provider_id AS "ProviderId",
       c.queue_id    AS "QueueId",
       c.message_id  AS "MessageId"
  FROM orleans_stream_confirm(@ServiceId, @ProviderId, @QueueId, @Items) AS c$q$
),
(
    'FailStreamMessageKey',
    $q$SELECT orleans_stream_fail(
    @ServiceId, @ProviderId, @QueueId, @MessageId, @MaxAttempts, @RemovalTimeout)$q$
),
(
    'EvictStreamMessagesKey',
    $q$SELECT orleans_stream_evict_messages(
    @ServiceId, @ProviderId, @QueueId, @MaxCount, @MaxAttempts, @RemovalTimeout) AS "Moved"$q$
),
(
    'EvictStreamDeadLettersKey',
    $q$SELECT orleans_stream_evict_dead_letters(
    @ServiceId, @ProviderId, @QueueId, @MaxCount) AS "Deleted"$q$
)
ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext
    WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext;
