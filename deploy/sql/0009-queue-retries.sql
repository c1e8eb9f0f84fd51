-- 0009-queue-retries.sql
--
-- The queue's retries and dead letters, as the timeout budget in docs/operations.md ("The queue") needs:
-- * A failed delivery is handed out again only after a backoff: the policy's first delay, doubled for
--   every further attempt up to its maximum, times a random factor in [1, 1.5) so that messages that
--   failed together are not retried together. The silos write the policy of their configuration into
--   orleans_stream_retry_policy at start; without a row the delays below apply.
-- * A message waiting out that backoff is marked (retrying), so monitoring tells it from one that is
--   leased to a silo right now.
-- * A dead letter records why it died: 'failed' (its last allowed delivery failed), 'abandoned' (it was
--   handed out its last allowed time and never confirmed nor failed: the silos holding it died or
--   overran the lease) or 'expired' (not delivered before its expiry).
-- * Dead letters can be replayed: moved back, once, as new messages with no attempts used.

CREATE TABLE IF NOT EXISTS orleans_stream_retry_policy
(
    service_id  text     NOT NULL,
    provider_id text     NOT NULL,
    first_delay interval NOT NULL,
    max_delay   interval NOT NULL,

    CONSTRAINT orleans_stream_retry_policy_pk PRIMARY KEY (service_id, provider_id)
);

ALTER TABLE orleans_stream_message
    ADD COLUMN IF NOT EXISTS retrying boolean NOT NULL DEFAULT false;

ALTER TABLE orleans_stream_dead_letter
    ADD COLUMN IF NOT EXISTS reason text NOT NULL DEFAULT 'unknown';

-- A fetch starts a lease: the message is no longer waiting for a retry.
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
        INSERT INTO orleans_stream_control
            (service_id, provider_id, queue_id, evict_on)
        VALUES (p_service_id, p_provider_id, p_queue_id, v_now)
        ON CONFLICT ON CONSTRAINT orleans_stream_control_pk DO NOTHING;
        v_evict_on := v_now;
    END IF;

    IF v_evict_on <= v_now THEN
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
           modified_on = v_now,
           retrying = false
      FROM batch AS b
     WHERE m.service_id = p_service_id
       AND m.provider_id = p_provider_id
       AND m.queue_id = p_queue_id
       AND m.message_id = b.message_id
    RETURNING m.*;
END
$fn$;

-- A failed delivery: visible again after the backoff while attempts remain, else a dead letter.
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
    v_now   timestamptz := now();
    v_first interval := interval '30 seconds';
    v_max   interval := interval '10 minutes';
BEGIN
    SELECT p.first_delay, p.max_delay
      INTO v_first, v_max
      FROM orleans_stream_retry_policy AS p
     WHERE p.service_id = p_service_id
       AND p.provider_id = p_provider_id;
    IF NOT FOUND THEN
        v_first := interval '30 seconds';
        v_max := interval '10 minutes';
    END IF;

    -- dequeued counts the deliveries so far (at least 1 here): the first retry waits v_first.
    UPDATE orleans_stream_message AS m
       SET visible_on = v_now + least(v_max, v_first * power(2, least(m.dequeued - 1, 30)))
                                * (1 + random() / 2),
           modified_on = v_now,
           retrying = true
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
         expires_on, created_on, modified_on, dead_on, remove_on, payload, reason)
    SELECT r.service_id, r.provider_id, r.queue_id, r.message_id, r.dequeued, r.visible_on,
           r.expires_on, r.created_on, r.modified_on, v_now,
           v_now + p_removal_timeout * interval '1 second', r.payload, 'failed'
      FROM removed AS r;
END
$fn$;

-- Messages that expired, or were handed out their last time and never confirmed nor failed, and are not
-- leased right now, move to the dead letters with that reason.
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
         expires_on, created_on, modified_on, dead_on, remove_on, payload, reason)
    SELECT r.service_id, r.provider_id, r.queue_id, r.message_id, r.dequeued, r.visible_on,
           r.expires_on, r.created_on, r.modified_on, v_now,
           v_now + p_removal_timeout * interval '1 second', r.payload,
           CASE WHEN r.expires_on <= v_now THEN 'expired' ELSE 'abandoned' END
      FROM removed AS r;

    GET DIAGNOSTICS v_moved = ROW_COUNT;
    RETURN v_moved;
END
$fn$;

-- Moves the given dead letters (all of them when p_message_ids is null) back into their queues as new
-- messages: visible at once, no attempts used, a fresh expiry. A dead letter moves at most once, so
-- replaying the same ids twice queues nothing the second time. Returns the messages moved.
CREATE OR REPLACE FUNCTION orleans_stream_replay_dead_letters(
    p_service_id     text,
    p_provider_id    text,
    p_message_ids    bigint[],
    p_expiry_timeout integer)
RETURNS TABLE (queue_id text, message_id bigint)
LANGUAGE sql
AS $fn$
    WITH moved AS (
        DELETE FROM orleans_stream_dead_letter AS d
         WHERE d.service_id = p_service_id
           AND d.provider_id = p_provider_id
           AND (p_message_ids IS NULL OR d.message_id = ANY (p_message_ids))
        RETURNING d.*
    )
    INSERT INTO orleans_stream_message AS m
        (service_id, provider_id, queue_id, message_id, dequeued, visible_on, expires_on,
         created_on, modified_on, payload)
    OVERRIDING SYSTEM VALUE
    SELECT v.service_id, v.provider_id, v.queue_id, v.message_id, 0, now(),
           now() + p_expiry_timeout * interval '1 second', now(), now(), v.payload
      FROM moved AS v
    RETURNING m.queue_id, m.message_id;
$fn$;

-- What each queue holds now: waiting (visible), leased to a silo, waiting out a retry backoff, and the
-- time the oldest message was queued. One pass over the queue's rows.
CREATE OR REPLACE FUNCTION orleans_stream_stats(
    p_service_id  text,
    p_provider_id text)
RETURNS TABLE (queue_id text, depth bigint, leased bigint, retrying bigint, oldest timestamptz)
LANGUAGE sql STABLE
AS $fn$
    SELECT m.queue_id,
           count(*),
           count(*) FILTER (WHERE m.visible_on > now() AND NOT m.retrying),
           count(*) FILTER (WHERE m.visible_on > now() AND m.retrying),
           min(m.created_on)
      FROM orleans_stream_message AS m
     WHERE m.service_id = p_service_id
       AND m.provider_id = p_provider_id
     GROUP BY m.queue_id;
$fn$;
