-- 0001-orleans-query.sql
--
-- The query catalogue shared by every Orleans ADO.NET provider (clustering,
-- grain storage, streams). At start each provider runs
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- and from then on executes only the SQL texts stored here, binding named
-- @Parameters. The later migrations add their rows to this table.
--
-- Notes:
-- * The table and column names are written unquoted on purpose: the provider
--   queries them unquoted, so they must exist in lower case (orleansquery,
--   querykey, querytext). Npgsql matches result column names case-insensitively.
-- * Every object in these migrations is created unqualified, i.e. in the first
--   schema of the migrator's search_path (normally "public"). The silos and
--   clients must connect with the same search_path.
-- * The file is safe inside one transaction and harmless to run again.

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) NOT NULL,
    querytext text        NOT NULL,

    CONSTRAINT orleansquery_pk PRIMARY KEY (querykey)
);

COMMENT ON TABLE orleansquery IS
    'Named SQL texts executed by the Orleans ADO.NET providers (key -> text).';
