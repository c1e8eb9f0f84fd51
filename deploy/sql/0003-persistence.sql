-- 0003-persistence.sql
--
-- Grain state storage for Microsoft.Orleans.Persistence.AdoNet
-- (AddAdoNetGrainStorage), with the four OrleansQuery rows it reads at start:
--   ReadFromStorageKey, WriteToStorageKey, ClearStorageKey (required) and
--   DeleteStorageKey (required only with DeleteStateOnClear = true; provided
--   so either setting works).
--
-- Contract with the provider:
-- * A grain's state is identified by ServiceId, the grain type string and the
--   grain id (two bigints plus an optional string key / key extension). The
--   provider also sends 32-bit hashes of the grain id and of the type; they are
--   stored and used as the leading index columns to make lookups cheap.
-- * The ETag is an integer version. Write/clear/delete take the version the
--   grain last saw (NULL if it never saw a row) and return the new version.
--   They return NULL when the expected version does not match, which the
--   provider turns into an InconsistentStateException (optimistic concurrency).
--   A write with a NULL version only succeeds if no row exists yet; the new row
--   starts at version 1.
-- * Clearing keeps the row with a NULL payload and bumps the version, so a
--   later write must still present the current version. Deleting removes the
--   row and returns the removed version + 1 (any value other than the grain's
--   ETag means success to the provider).
-- * The payload is Orleans' serialized state (binary by default); it is opaque
--   here.
--
-- Choices:
-- * Strings are text without length limits (string grain keys can be long).
--   Uniqueness of a grain's row is enforced by a unique index that uses md5()
--   of the two strings, so long keys cannot overflow a btree entry, and
--   NULLS NOT DISTINCT (PostgreSQL 15+) so a NULL key extension is one value.
--   The unique index also makes concurrent first writes of the same grain
--   safe: exactly one INSERT wins, the others see a version conflict.
-- * modified_on is timestamptz set by the database; no DateTime is bound.

CREATE TABLE IF NOT EXISTS orleans_storage
(
    id                 bigint      GENERATED ALWAYS AS IDENTITY,
    service_id         text        NOT NULL,
    grain_type_hash    integer     NOT NULL,
    grain_id_hash      integer     NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_type         text        NOT NULL,
    grain_id_extension text        NULL,
    payload            bytea       NULL,
    version            integer     NOT NULL,
    modified_on        timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT orleans_storage_pk PRIMARY KEY (id)
);

CREATE UNIQUE INDEX IF NOT EXISTS orleans_storage_grain_ux
    ON orleans_storage (service_id, grain_type_hash, grain_id_hash,
                        grain_id_n0, grain_id_n1,
                        md5(grain_type), md5(grain_id_extension))
    NULLS NOT DISTINCT;

COMMENT ON TABLE orleans_storage IS
    'Orleans grain state; version is the ETag, payload NULL means cleared.';

-- Inserts (expected version NULL) or updates (expected version = current) a
-- grain's state. Returns the new version, or NULL on a version conflict.
CREATE OR REPLACE FUNCTION orleans_storage_write(
    p_service_id         text,
    p_grain_type_hash    integer,
    p_grain_type         text,
    p_grain_id_hash      integer,
    p_grain_id_n0        bigint,
    p_grain_id_n1        bigint,
    p_grain_id_extension text,
    p_expected_version   integer,
    p_payload            bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        INSERT INTO orleans_storage
            (service_id, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1,
             grain_type, grain_id_extension, payload, version, modified_on)
        VALUES
            (p_service_id, p_grain_type_hash, p_grain_id_hash, p_grain_id_n0, p_grain_id_n1,
             p_grain_type, p_grain_id_extension, p_payload, 1, now())
        ON CONFLICT DO NOTHING
        RETURNING version INTO v_new_version;
    ELSE
        UPDATE orleans_storage AS s
           SET payload = p_payload,
               version = s.version + 1,
               modified_on = now()
         WHERE s.service_id = p_service_id
           AND s.grain_type_hash = p_grain_type_hash
           AND s.grain_id_hash = p_grain_id_hash
           AND s.grain_id_n0 = p_grain_id_n0
           AND s.grain_id_n1 = p_grain_id_n1
           AND s.grain_type = p_grain_type
           AND s.grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension
           AND s.version = p_expected_version
        RETURNING s.version INTO v_new_version;
    END IF;

    RETURN v_new_version;
END
$fn$;

-- Empties a grain's state but keeps its row and version history.
-- Returns the new version, or NULL on a version conflict.
CREATE OR REPLACE FUNCTION orleans_storage_clear(
    p_service_id         text,
    p_grain_type_hash    integer,
    p_grain_type         text,
    p_grain_id_hash      integer,
    p_grain_id_n0        bigint,
    p_grain_id_n1        bigint,
    p_grain_id_extension text,
    p_expected_version   integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new_version integer;
BEGIN
    UPDATE orleans_storage AS s
       SET payload = NULL,
           version = s.version + 1,
           modified_on = now()
     WHERE s.service_id = p_service_id
       AND s.grain_type_hash = p_grain_type_hash
       AND s.grain_id_hash = p_grain_id_hash
       AND s.grain_id_n0 = p_grain_id_n0
       AND s.grain_id_n1 = p_grain_id_n1
       AND s.grain_type = p_grain_type
       AND s.grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension
       AND s.version = p_expected_version
    RETURNING s.version INTO v_new_version;

    RETURN v_new_version;
END
$fn$;

-- Removes a grain's row. Returns the removed version + 1, or NULL on a version
-- conflict.
CREATE OR REPLACE FUNCTION orleans_storage_delete(
    p_service_id         text,
    p_grain_type_hash    integer,
    p_grain_type         text,
    p_grain_id_hash      integer,
    p_grain_id_n0        bigint,
    p_grain_id_n1        bigint,
    p_grain_id_extension text,
    p_expected_version   integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new_version integer;
BEGIN
    DELETE FROM orleans_storage AS s
     WHERE s.service_id = p_service_id
       AND s.grain_type_hash = p_grain_type_hash
       AND s.grain_id_hash = p_grain_id_hash
       AND s.grain_id_n0 = p_grain_id_n0
       AND s.grain_id_n1 = p_grain_id_n1
       AND s.grain_type = p_grain_type
       AND s.grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension
       AND s.version = p_expected_version
    RETURNING s.version + 1 INTO v_new_version;

    RETURN v_new_version;
END
$fn$;

INSERT INTO orleansquery (querykey, querytext)
VALUES
(
    'ReadFromStorageKey',
    $q$SELECT s.payload AS "PayloadBinary",
       s.version AS "Version"
  FROM orleans_storage AS s
 WHERE s.service_id = @ServiceId
   AND s.grain_type_hash = @GrainTypeHash
   AND s.grain_id_hash = @GrainIdHash
   AND s.grain_id_n0 = @GrainIdN0
   AND s.grain_id_n1 = @GrainIdN1
   AND s.grain_type = @GrainTypeString
   AND s.grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString$q$
),
(
    'WriteToStorageKey',
    $q$SELECT orleans_storage_write(
    @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0,
    @GrainIdN1, @GrainIdExtensionString, @GrainStateVersion,
    @PayloadBinary) AS "NewGrainStateVersion"$q$
),
(
    'ClearStorageKey',
    $q$SELECT orleans_storage_clear(
    @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0,
    @GrainIdN1, @GrainIdExtensionString,
    @GrainStateVersion) AS "NewGrainStateVersion"$q$
),
(
    'DeleteStorageKey',
    $q$SELECT orleans_storage_delete(
    @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0,
    @GrainIdN1, @GrainIdExtensionString,
    @GrainStateVersion) AS "NewGrainStateVersion"$q$
)
ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext
    WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext;
