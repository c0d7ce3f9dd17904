-- 022_import_values.sql: the bulk metric values' insert without per-row foreign-key checks (issue 18:
-- the import of 10,000 cities).
--
-- `citybench import` and `citybench plugins reload` write every metric value of the batch in one
-- INSERT ... ON CONFLICT from a staging table (compute.c, Q_VALUES_UPSERT): ~93,000 rows for an import of
-- 10,000 cities x 2 waves, each checked by three foreign-key triggers (metrics, surveys, cities) queued
-- and run one row at a time, ~40 % of that statement.  The CLI now proves the batch first
-- (Q_VALUES_UNPROVEN: every distinct metric, wave and city named exists, and is locked FOR KEY SHARE as
-- the per-row checks would lock it) and runs that insert alone with session_replication_role = replica,
-- as the answers' insert already does (store.c, 020).  That setting skips the foreign-key triggers and
-- every ordinary trigger too: the statistics triggers of metric_values must still fire (they record the
-- dirty (metric, wave) pairs the data version's bump rebuilds), so they fire ALWAYS.  Nothing in
-- citybench replicates this table; the constraints stay declared and enforced for every other write.
-- No function is redefined.

alter table metric_values enable always trigger metric_values_dirty_ins;
alter table metric_values enable always trigger metric_values_dirty_upd;
alter table metric_values enable always trigger metric_values_dirty_del;
