-- Sessions that expire without being used again keep their grain-state row; the silos' sweeper
-- (Grains/Sessions/ExpiredSessionSweeper.cs) deletes rows of the session state not written for longer
-- than a session can live. This partial index lets it find them without reading the whole storage
-- table, and costs nothing on writes of other grains' state.
CREATE INDEX IF NOT EXISTS orleans_storage_session_modified_ix
    ON orleans_storage (service_id, modified_on)
    WHERE grain_type = 'session';
