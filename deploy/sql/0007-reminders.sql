-- 0007-reminders.sql
--
-- Durable reminders for Microsoft.Orleans.Reminders.AdoNet (UseAdoNetReminderService): a grain that
-- must be woken even after the silo holding it died registers a reminder, and the reminder service of
-- whichever silo owns the grain's hash range calls it on time.
--
-- Contract with the provider (the query keys it reads at start):
--   UpsertReminderRowKey, ReadReminderRowsKey, ReadReminderRowKey, ReadRangeRows1Key,
--   ReadRangeRows2Key, DeleteReminderRowKey, DeleteReminderRowsKey.
-- * A reminder is identified by ServiceId, the grain id (its string form) and the reminder name.
-- * Upsert inserts or replaces start time and period and returns the new version; the version is the
--   ETag, and a delete succeeds (returns true) only with the current version.
-- * The grain hash is Orleans' uniform hash of the grain id, a uint the provider binds as a (wrapping)
--   int, and so are the bounds of the range reads that fetch one silo's share of the hash ring. The
--   provider compares the bounds as ints too: (begin, end] when begin < end (ReadRangeRows1Key), else
--   the wrap-around (begin, max] + [min, end] (ReadRangeRows2Key); plain integer comparisons agree.
-- * The period is bound in milliseconds (int when it fits, else bigint) and read back as bigint.
--
-- Choices:
-- * start_time is timestamptz: the provider binds UTC DateTimes, which Npgsql sends as timestamptz.
-- * Range reads use an index on (service_id, grain_hash); the reminder service reads its ranges when
--   silos join or leave and then every ReminderOptions.RefreshReminderListPeriod.

CREATE TABLE IF NOT EXISTS orleans_reminder
(
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period_ms     bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,

    CONSTRAINT orleans_reminder_pk PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS orleans_reminder_hash_ix
    ON orleans_reminder (service_id, grain_hash);

COMMENT ON TABLE orleans_reminder IS
    'Orleans reminders; version is the ETag, period_ms the period in milliseconds.';

INSERT INTO orleansquery (querykey, querytext)
VALUES
(
    'UpsertReminderRowKey',
    $q$INSERT INTO orleans_reminder AS r
       (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT ON CONSTRAINT orleans_reminder_pk DO UPDATE
   SET start_time = EXCLUDED.start_time,
       period_ms  = EXCLUDED.period_ms,
       grain_hash = EXCLUDED.grain_hash,
       version    = r.version + 1
RETURNING r.version AS "Version"$q$
),
(
    'ReadReminderRowsKey',
    $q$SELECT r.grain_id      AS "GrainId",
       r.reminder_name AS "ReminderName",
       r.start_time    AS "StartTime",
       r.period_ms     AS "Period",
       r.version       AS "Version"
  FROM orleans_reminder AS r
 WHERE r.service_id = @ServiceId
   AND r.grain_id = @GrainId$q$
),
(
    'ReadReminderRowKey',
    $q$SELECT r.grain_id      AS "GrainId",
       r.reminder_name AS "ReminderName",
       r.start_time    AS "StartTime",
       r.period_ms     AS "Period",
       r.version       AS "Version"
  FROM orleans_reminder AS r
 WHERE r.service_id = @ServiceId
   AND r.grain_id = @GrainId
   AND r.reminder_name = @ReminderName$q$
),
(
    'ReadRangeRows1Key',
    $q$SELECT r.grain_id      AS "GrainId",
       r.reminder_name AS "ReminderName",
       r.start_time    AS "StartTime",
       r.period_ms     AS "Period",
       r.version       AS "Version"
  FROM orleans_reminder AS r
 WHERE r.service_id = @ServiceId
   AND r.grain_hash > @BeginHash
   AND r.grain_hash <= @EndHash$q$
),
(
    'ReadRangeRows2Key',
    $q$SELECT r.grain_id      AS "GrainId",
       r.reminder_name AS "ReminderName",
       r.start_time    AS "StartTime",
       r.period_ms     AS "Period",
       r.version       AS "Version"
  FROM orleans_reminder AS r
 WHERE r.service_id = @ServiceId
   AND (r.grain_hash > @BeginHash OR r.grain_hash <= @EndHash)$q$
),
(
    'DeleteReminderRowKey',
    $q$WITH deleted AS (
    DELETE FROM orleans_reminder AS r
     WHERE r.service_id = @ServiceId
       AND r.grain_id = @GrainId
       AND r.reminder_name = @ReminderName
       AND r.version = @Version
    RETURNING 1)
SELECT count(*) > 0 FROM deleted$q$
),
(
    'DeleteReminderRowsKey',
    $q$DELETE FROM orleans_reminder AS r
 WHERE r.service_id = @ServiceId$q$
)
ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext
    WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext;
