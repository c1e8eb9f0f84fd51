-- 0014-queue-dead-silo-leases.sql
--
-- A message leased by a silo that dies stays leased until its visibility timeout (Queue:VisibilityTimeout,
-- 5 min): its work waits that long, and back-pressure refuses background-work writes for it until the lease
-- counts as stranded (90 s). Seen with a silo's host cut off for 20 s under load: every such write was refused
-- for the minute after the heal. Now each lease records the silo that took it (the application name of the
-- silos' connections names the silo, generation included), and a silo that sees another declared dead hands
-- that silo's leases back at once (Silo/Hosting/DeadSiloLeases.cs).

ALTER TABLE orleans_stream_message
    ADD COLUMN IF NOT EXISTS leased_by text;

-- orleans_stream_get leases a message by counting the attempt: that is when the taker is noted.
CREATE OR REPLACE FUNCTION orleans_stream_note_lease_taker()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    NEW.leased_by := nullif(current_setting('application_name', true), '');
    RETURN NEW;
END
$fn$;

DROP TRIGGER IF EXISTS orleans_stream_lease_taker ON orleans_stream_message;
CREATE TRIGGER orleans_stream_lease_taker
    BEFORE UPDATE OF dequeued ON orleans_stream_message
    FOR EACH ROW
    WHEN (NEW.dequeued > OLD.dequeued)
    EXECUTE FUNCTION orleans_stream_note_lease_taker();

-- Makes the messages leased by that silo visible now; returns how many. A message waiting out a retry delay is
-- not leased and stays as it is. The attempt stays counted, as when a lease runs out.
CREATE OR REPLACE FUNCTION orleans_stream_release_leases(
    p_service_id  text,
    p_provider_id text,
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
           AND m.leased_by = p_leased_by
           AND m.visible_on > now()
           AND NOT m.retrying
        RETURNING 1
    )
    SELECT count(*)::integer FROM released;
$fn$;
