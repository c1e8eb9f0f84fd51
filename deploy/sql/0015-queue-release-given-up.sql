-- 0015-queue-release-given-up.sql
--
-- A silo that stops pulling a partition (the partitions were shared out again as a silo joined or left, or it is
-- stopping) may still hold leases there: a message its agent was delivering when the agent stopped is neither
-- confirmed nor handed back by the agent, and stayed invisible for the whole visibility timeout (5 min). Seen
-- once when a silo was removed under a 2x overload: one message, whose lease back-pressure counted as the oldest
-- work for 90 s, so background-work writes were refused for a minute. The silo now hands back its leases on the
-- partitions it gave up (Silo/Hosting/EvenQueueBalancer.cs); a delivery still running then may be repeated,
-- which consumers tolerate. Null partitions mean all of them: the release of a dead silo's leases (0014) is now
-- this one.

CREATE OR REPLACE FUNCTION orleans_stream_release_queue_leases(
    p_service_id  text,
    p_provider_id text,
    p_queue_ids   text[],
    p_leased_by   text)
RETURNS integer
LANGUAGE sql
AS $fn$
    WITH released AS (
        UPDATE orleans_stream_message AS m
           SET visible_on = now(),
               leased_by = NULL
         WHERE m.service_id = p_service_id
           AND m.provider_id = p_provider_id
           AND (p_queue_ids IS NULL OR m.queue_id = ANY (p_queue_ids))
           AND m.leased_by = p_leased_by
           AND m.visible_on > now()
           AND NOT m.retrying
        RETURNING 1
    )
    SELECT count(*)::integer FROM released;
$fn$;

CREATE OR REPLACE FUNCTION orleans_stream_release_leases(
    p_service_id  text,
    p_provider_id text,
    p_leased_by   text)
RETURNS integer
LANGUAGE sql
AS $fn$
    SELECT orleans_stream_release_queue_leases(p_service_id, p_provider_id, NULL, p_leased_by);
$fn$;
