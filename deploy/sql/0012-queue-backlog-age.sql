-- 0012-queue-backlog-age.sql
--
-- Back-pressure refuses new background work while the queue's backlog is old. It used to take the age of
-- the oldest message of any state, and two kinds of message made that age lie:
--   * a message leased by a silo that stopped or died stays leased until its visibility timeout (5 min):
--     after a silo left under load, one such message refused every background-work write for 4 minutes;
--   * a message waiting out a retry delay (30 s, doubling) is old by design, and a message that keeps
--     failing until it is dead-lettered would hold the refusal for about an hour.
-- Refusing writes brings neither back sooner. So the stats now also give the backlog's age: the oldest
-- message on its first attempt, waiting or held by a live lease (one taken less than p_stranded_after
-- seconds ago), and they count the leases older than that apart ("stranded").

DROP FUNCTION IF EXISTS orleans_stream_stats(text, text);

CREATE FUNCTION orleans_stream_stats(
    p_service_id      text,
    p_provider_id     text,
    p_stranded_after  integer)
RETURNS TABLE (queue_id text, depth bigint, leased bigint, retrying bigint, stranded bigint,
               oldest timestamptz, backlog_oldest timestamptz)
LANGUAGE sql STABLE
AS $fn$
    SELECT m.queue_id,
           count(*),
           count(*) FILTER (WHERE m.visible_on > now() AND NOT m.retrying),
           count(*) FILTER (WHERE m.visible_on > now() AND m.retrying),
           count(*) FILTER (WHERE m.visible_on > now() AND NOT m.retrying
                              AND m.modified_on < now() - p_stranded_after * interval '1 second'),
           min(m.created_on),
           -- modified_on is the time of the lease (orleans_stream_get sets it)
           min(m.created_on) FILTER (WHERE m.dequeued = 0
                                        OR (m.dequeued = 1 AND m.visible_on > now() AND NOT m.retrying
                                            AND m.modified_on >= now() - p_stranded_after * interval '1 second'))
      FROM orleans_stream_message AS m
     WHERE m.service_id = p_service_id
       AND m.provider_id = p_provider_id
     GROUP BY m.queue_id;
$fn$;
