-- Queries written for this server (not captured) that exercise constructs BI drivers rely on:
-- Npgsql (Power BI, Excel's PostgreSQL connector) loads types by joining pg_proc on pg_type.typreceive and
-- recognises arrays by proname = 'array_recv'; DBeaver and Tableau browse information_schema.
-- Replace entries here with captured ones when a machine with those clients is available.

-- name: constructs-01
-- expect-columns: typname, typtype, elemtypname
-- expect-contains: _int8
SELECT t.typname, CASE WHEN p.proname = 'array_recv' THEN 'a' ELSE t.typtype END AS typtype, e.typname AS elemtypname
FROM pg_type AS t
LEFT JOIN pg_proc AS p ON p.oid = t.typreceive
LEFT JOIN pg_type AS e ON e.oid = t.typelem
JOIN pg_namespace AS ns ON ns.oid = t.typnamespace
WHERE t.typtype IN ('b', 'r', 'e', 'd') AND p.proname = 'array_recv'
ORDER BY t.oid;

-- name: constructs-02
-- expect-columns: version
-- expect-rows: 1
-- expect-contains: PostgreSQL 15.0
SELECT version();

-- name: constructs-03
-- expect-columns: table_schema, table_name, table_type
-- expect-rows: 3
-- expect-contains: BASE TABLE
SELECT table_schema, table_name, table_type FROM information_schema.tables
WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY table_name;

-- name: constructs-04
-- expect-columns: column_name, data_type, is_nullable, numeric_precision, numeric_scale
-- expect-rows: 9
-- expect-contains: timestamp with time zone
SELECT column_name, data_type, is_nullable, numeric_precision, numeric_scale FROM information_schema.columns
WHERE table_schema = 'public' AND table_name = 'Deals' ORDER BY ordinal_position;

-- name: constructs-05
-- expect-columns: current_setting, current_schemas, current_database
-- expect-rows: 1
SELECT current_setting('server_version_num'), current_schemas(false), current_database();

-- name: constructs-06
-- expect-columns: constraint_name, table_name, column_name
-- expect-rows: 3
-- expect-contains: Deals_PersonId_fkey
SELECT tc.constraint_name, tc.table_name, kcu.column_name
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
WHERE tc.table_name IN ('Deals', 'Persons') ORDER BY 1;

-- name: constructs-07
-- expect-columns: description
-- expect-rows: 1
-- expect-contains: Deals from the test backend
SELECT obj_description('"Deals"'::regclass, 'pg_class') AS description;

-- name: constructs-08
-- table-qualified stars next to other columns, as DBeaver's navigator reads namespaces and relations
-- expect-rows: 3
-- expect-contains: BigTable
SELECT c.oid, c.*, d.description FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass
WHERE c.relnamespace = 2200 AND c.relkind NOT IN ('i', 'I', 'c');

-- name: constructs-09
-- expect-columns: word
-- expect-contains: select
SELECT word FROM pg_catalog.pg_get_keywords() WHERE word <> ALL ('{a,abs,absolute}'::text[]) AND catcode = 'R';

-- name: constructs-10
-- expect-columns: to_regclass, has_table_privilege
-- expect-rows: 1
SELECT to_regclass('public."Deals"') = '"Deals"'::regclass AS to_regclass, has_table_privilege('"Deals"', 'SELECT');
