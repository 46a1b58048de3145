-- Databases migrated with the first text of 0003 have a full index on every visit; rebuild it
-- partial (format = 'short'), as 0003 creates it now, so the tracker's visits never write to it.
-- Databases that already have the partial index are left alone (no lock on visits).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_indexes
                   WHERE tablename = 'visits' AND indexname = 'visits_short'
                     AND indexdef LIKE '%WHERE%') THEN
        DROP INDEX IF EXISTS visits_short;
        CREATE INDEX visits_short ON visits (program_id, referral_key, ip_hash, created_at)
            WHERE format = 'short';
    END IF;
END
$$;
