-- 0008-storage-compression.sql
--
-- Grain state payloads above ~2 kB (feeds, streams, product aggregates) are compressed when they are
-- written. PostgreSQL's default, pglz, took about a third of the database's CPU time while activity
-- feeds were being filled (perf, 100 activities/s to 1,000 feeds each); lz4 compresses several times
-- faster for a slightly larger result. Only new writes use it; stored values stay readable either way.
-- A server built without lz4 keeps pglz: the change is skipped with a notice, not an error.

DO $do$
BEGIN
    ALTER TABLE orleans_storage ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION
    WHEN feature_not_supported OR invalid_parameter_value THEN
        RAISE NOTICE 'lz4 is not available on this server; grain state keeps the default compression';
END
$do$;
