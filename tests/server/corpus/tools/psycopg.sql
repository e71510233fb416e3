-- tool: psycopg 3 (pandas.read_sql, Jupyter, Airflow's PostgresHook)

-- name: psycopg-connect-typeinfo
-- step: connect
-- source: psycopg/psycopg psycopg/psycopg/_typeinfo.py TypeInfo._get_info_query (server >= 9.4 branch) (reconstructed)
-- params: ["numeric"]
-- expect-contains: numeric
SELECT
    typname AS name, oid, typarray AS array_oid,
    oid::regtype::text AS regtype, typdelim AS delimiter
FROM pg_type t
WHERE t.oid = to_regtype($1)
ORDER BY t.oid;

-- name: psycopg-tables
-- step: tables
-- source: a psycopg user listing tables (reconstructed)
-- expect-contains: Deals
SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name;

-- name: psycopg-columns
-- step: columns
-- source: a psycopg user listing columns (reconstructed)
-- expect-contains: Id
SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'Deals' ORDER BY ordinal_position;

-- name: psycopg-preview
-- step: preview
-- source: pandas.read_sql("select * from deals limit 1000", conn) (reconstructed)
-- compare: SELECT * FROM Deals LIMIT 1000
select * from deals limit 1000;

-- name: psycopg-report
-- step: report
-- source: a parameterised query with a list: WHERE "Status" = ANY(%s) (reconstructed)
-- params: ["{won,lost}"]
-- compare: SELECT "Status", COUNT(*) FROM Deals WHERE "Status" IN ('won', 'lost') GROUP BY "Status"
select "Status", count(*) from "Deals" where "Status" = ANY($1) group by "Status";
