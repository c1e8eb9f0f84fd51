-- 0002-clustering.sql
--
-- Cluster membership for Microsoft.Orleans.Clustering.AdoNet (silos) and the
-- gateway list that Orleans clients read, plus the nine OrleansQuery rows the
-- provider refuses to start without:
--   GatewaysQueryKey, MembershipReadRowKey, MembershipReadAllKey,
--   InsertMembershipVersionKey, UpdateIAmAlivetimeKey, InsertMembershipKey,
--   UpdateMembershipKey, DeleteMembershipTableEntriesKey,
--   CleanupDefunctSiloEntriesKey
-- (key names are case-sensitive: note "UpdateIAmAlivetimeKey").
--
-- How the provider uses this schema:
-- * One row per cluster (the provider's "DeploymentId" is the ClusterId) in
--   orleans_membership_version carries the table version. Orleans' membership
--   protocol is optimistic: a silo reads the table with its version, then
--   inserts/updates a row passing that version; the write succeeds (returns
--   true) only if the version is unchanged, and bumps it. A false result makes
--   Orleans re-read and retry; it is not an error.
-- * Each silo incarnation (address, port, generation) has one row in
--   orleans_membership. "I am alive" heartbeats update only that row and do not
--   bump the version.
-- * Read queries return the version row LEFT JOINed to the member rows, so a
--   cluster with no members still yields its version (member columns NULL).
-- * Status is Orleans' SiloStatus as an integer: 3 = Active, 6 = Dead.
--
-- Choices:
-- * Timestamps are timestamptz. The provider binds DateTime parameters with
--   DbType.DateTime, which Npgsql 10 sends as timestamptz and accepts only for
--   DateTime.Kind = Utc; Orleans passes UTC values everywhere here, and
--   timestamptz values come back as UTC DateTimes.
-- * Version changes are serialised with a row lock (SELECT ... FOR UPDATE) on
--   the cluster's version row taken before any member row is touched, so a
--   failed check leaves nothing to undo and the lock order is always
--   version row -> member row.
-- * Member rows reference their version row with ON DELETE CASCADE, so deleting
--   a cluster's version row removes the whole cluster.
-- * Defunct-silo cleanup removes only Dead rows whose last heartbeat is older
--   than the cut-off: stale rows in other states are first declared Dead by the
--   running silos, so they are still cleaned up eventually.
-- * Result columns are aliased in quoted PascalCase because the provider reads
--   them by those names; tables and functions keep lower-case snake_case.

CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id text        NOT NULL,
    version       integer     NOT NULL DEFAULT 0,
    modified_on   timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT orleans_membership_version_pk PRIMARY KEY (deployment_id)
);

CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   text        NOT NULL,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL,
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,

    CONSTRAINT orleans_membership_pk
        PRIMARY KEY (deployment_id, address, port, generation),
    CONSTRAINT orleans_membership_version_fk
        FOREIGN KEY (deployment_id)
        REFERENCES orleans_membership_version (deployment_id)
        ON DELETE CASCADE
);

COMMENT ON TABLE orleans_membership_version IS
    'Orleans membership table version, one row per cluster (ClusterId).';
COMMENT ON TABLE orleans_membership IS
    'Orleans silo membership rows; status is SiloStatus (3 Active, 6 Dead).';
COMMENT ON COLUMN orleans_membership.suspect_times IS
    'Suspicion votes as written by Orleans: "silo,time|silo,time".';

-- Registers a new silo incarnation if the caller saw the current table version.
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_silo_name        text,
    p_host_name        text,
    p_status           integer,
    p_proxy_port       integer,
    p_start_time       timestamptz,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_version integer;
BEGIN
    SELECT v.version
      INTO v_version
      FROM orleans_membership_version AS v
     WHERE v.deployment_id = p_deployment_id
       FOR UPDATE;

    IF v_version IS NULL OR v_version IS DISTINCT FROM p_expected_version THEN
        RETURN false;
    END IF;

    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name,
         status, proxy_port, suspect_times, start_time, i_am_alive_time)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
         p_status, p_proxy_port, NULL, p_start_time, p_i_am_alive_time)
    ON CONFLICT ON CONSTRAINT orleans_membership_pk DO NOTHING;

    IF NOT FOUND THEN
        RETURN false;   -- this incarnation is already registered
    END IF;

    UPDATE orleans_membership_version AS v
       SET version = v.version + 1,
           modified_on = now()
     WHERE v.deployment_id = p_deployment_id;

    RETURN true;
END
$fn$;

-- Changes a silo's status / suspicion votes if the caller saw the current
-- table version.
CREATE OR REPLACE FUNCTION orleans_membership_update(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_status           integer,
    p_suspect_times    text,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_version integer;
BEGIN
    SELECT v.version
      INTO v_version
      FROM orleans_membership_version AS v
     WHERE v.deployment_id = p_deployment_id
       FOR UPDATE;

    IF v_version IS NULL OR v_version IS DISTINCT FROM p_expected_version THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership AS m
       SET status = p_status,
           suspect_times = p_suspect_times,
           i_am_alive_time = p_i_am_alive_time
     WHERE m.deployment_id = p_deployment_id
       AND m.address = p_address
       AND m.port = p_port
       AND m.generation = p_generation;

    IF NOT FOUND THEN
        RETURN false;   -- no such silo row
    END IF;

    UPDATE orleans_membership_version AS v
       SET version = v.version + 1,
           modified_on = now()
     WHERE v.deployment_id = p_deployment_id;

    RETURN true;
END
$fn$;

INSERT INTO orleansquery (querykey, querytext)
VALUES
(
    'InsertMembershipVersionKey',
    $q$WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id)
    VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created) AS "Created"$q$
),
(
    'InsertMembershipKey',
    $q$SELECT orleans_membership_insert(
    @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
    @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS "Inserted"$q$
),
(
    'UpdateMembershipKey',
    $q$SELECT orleans_membership_update(
    @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
    @IAmAliveTime, @Version) AS "Updated"$q$
),
(
    'UpdateIAmAlivetimeKey',
    $q$UPDATE orleans_membership AS m
   SET i_am_alive_time = @IAmAliveTime
 WHERE m.deployment_id = @DeploymentId
   AND m.address = @Address
   AND m.port = @Port
   AND m.generation = @Generation$q$
),
(
    'MembershipReadRowKey',
    $q$SELECT v.version         AS "Version",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime"
  FROM orleans_membership_version AS v
  LEFT JOIN orleans_membership AS m
         ON m.deployment_id = v.deployment_id
        AND m.address = @Address
        AND m.port = @Port
        AND m.generation = @Generation
 WHERE v.deployment_id = @DeploymentId$q$
),
(
    'MembershipReadAllKey',
    $q$SELECT v.version         AS "Version",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime"
  FROM orleans_membership_version AS v
  LEFT JOIN orleans_membership AS m
         ON m.deployment_id = v.deployment_id
 WHERE v.deployment_id = @DeploymentId$q$
),
(
    'DeleteMembershipTableEntriesKey',
    $q$DELETE FROM orleans_membership_version AS v
 WHERE v.deployment_id = @DeploymentId$q$
),
(
    'CleanupDefunctSiloEntriesKey',
    $q$DELETE FROM orleans_membership AS m
 WHERE m.deployment_id = @DeploymentId
   AND m.status = 6
   AND m.i_am_alive_time < @IAmAliveTime$q$
),
(
    'GatewaysQueryKey',
    $q$SELECT m.address    AS "Address",
       m.proxy_port AS "ProxyPort",
       m.generation AS "Generation"
  FROM orleans_membership AS m
 WHERE m.deployment_id = @DeploymentId
   AND m.status = @Status
   AND m.proxy_port > 0$q$
)
ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext
    WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext;
