-- tool: psycopg 3 (pandas.read_sql, Jupyter, Airflow's PostgresHook)

-- name: psycopg-connect-typeinfo
-- step: connect
-- source: captured from psycopg 3.3.9 (installed here) driven for real: TypeInfo.fetch(conn, name), the Composed query of psycopg/_typeinfo.py as psycopg renders it (recorded at Cursor.execute while SQLAlchemy's psycopg dialect fetched "hstore"; the name "numeric" here)
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
-- source: typed by a psycopg user (psycopg sends the user's text unchanged; not a tool's own statement)
-- expect-contains: Deals
SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name;

-- name: psycopg-columns
-- step: columns
-- source: typed by a psycopg user (psycopg sends the user's text unchanged; not a tool's own statement)
-- expect-contains: Id
SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'Deals' ORDER BY ordinal_position;

-- name: psycopg-preview
-- step: preview
-- source: the text a user passes to pandas.read_sql("select * from deals limit 1000", conn); pandas and psycopg send it unchanged
-- compare: SELECT * FROM Deals LIMIT 1000
-- same-as: tools/psql.sql psql-preview

-- name: psycopg-report
-- step: report
-- source: a user's parameterised query with a Python list, WHERE "Status" = ANY(%s): psycopg sends $1 with the list as a text array
-- params: ["{won,lost}"]
-- compare: SELECT "Status", COUNT(*) FROM Deals WHERE "Status" IN ('won', 'lost') GROUP BY "Status"
select "Status", count(*) from "Deals" where "Status" = ANY($1) group by "Status";
