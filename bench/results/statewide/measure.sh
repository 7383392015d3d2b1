#!/bin/bash
# Steps after generation: home records, vacuum, sizes, dump/restore, upgrade, audit verify.
set -x
cd /work/main
PG=postgresql+psycopg://postgres@127.0.0.1:5432
export PGHOST=127.0.0.1 PGUSER=postgres
uptime
/usr/bin/time -f "home %e s" .venv/bin/python bench/generate.py --database-url $PG/bench_full --instance /tmp/full/inst --scale 1 --only home > /tmp/full/home.json
/usr/bin/time -f "vacuum %e s" psql bench_full -c "VACUUM ANALYZE"
psql bench_full -Atc "select pg_size_pretty(pg_database_size('bench_full')), pg_database_size('bench_full')"
psql bench_full -Atc "select relname, n_live_tup from pg_stat_user_tables order by n_live_tup desc limit 15"
/usr/bin/time -f "pg_dump %e s" pg_dump -Fc -f /tmp/full/full.dump bench_full
ls -l /tmp/full/full.dump
dropdb --if-exists bench_full_copy; createdb bench_full_copy
/usr/bin/time -f "pg_restore %e s" pg_restore -j 2 -d bench_full_copy /tmp/full/full.dump
/usr/bin/time -f "vacuum-copy %e s" psql bench_full_copy -c "VACUUM ANALYZE"
.venv/bin/python bench/upgrade_bench.py --database-url $PG/bench_full_copy --instance /tmp/full/inst --back training@training_0001 > /tmp/full/upgrade.json
cat /tmp/full/upgrade.json
/usr/bin/time -f "audit verify %e s" env REGISTRY_DATABASE_URL=$PG/bench_full REGISTRY_INSTANCE_PATH=/tmp/full/inst .venv/bin/python -m registry_kernel audit verify
uptime
