-- tool: Tableau Desktop / Server (PostgreSQL connector, pgjdbc-based since 2020.4)

-- name: tableau-connect-appname
-- step: connect
-- source: Tableau's postgres_jdbc connector: pgjdbc startup with Tableau's application name (reconstructed)
SET application_name = 'Tableau 2024.1';

-- name: tableau-connect-version
-- step: connect
-- source: Tableau connector SDK postgres_jdbc sample, connection-resolver version check (reconstructed)
-- expect-contains: PostgreSQL
SELECT version();

-- name: tableau-connect-settings
-- step: connect
-- source: Tableau's PostgreSQL dialect reads the server's standard_conforming_strings (reconstructed)
-- expect-contains: on
SHOW standard_conforming_strings;

-- name: tableau-tables
-- step: tables
-- source: Tableau metadata: schemas and tables through pgjdbc getTables with types TABLE, VIEW (reconstructed from pgjdbc 42.5)
-- expect-contains: Deals
SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME, CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema' WHEN true THEN CASE WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind WHEN 'r' THEN 'SYSTEM TABLE' WHEN 'v' THEN 'SYSTEM VIEW' WHEN 'i' THEN 'SYSTEM INDEX' ELSE NULL END ELSE NULL END WHEN false THEN CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' ELSE NULL END ELSE NULL END AS TABLE_TYPE, d.description AS REMARKS FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0 and d.classoid = 'pg_class'::regclass) WHERE c.relnamespace = n.oid AND n.nspname LIKE 'public' AND (false OR ( c.relkind IN ('r','p') AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ) OR ( c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' ) ) ORDER BY TABLE_TYPE,TABLE_SCHEM,TABLE_NAME;

-- name: tableau-columns
-- step: columns
-- source: Tableau reads a table's columns by describing an empty query on it (reconstructed)
-- expect-rows: 0
SELECT * FROM "public"."Deals" "Deals" WHERE (1 = 0);

-- name: tableau-columns-keys
-- step: columns
-- source: Tableau relationships: primary and foreign keys through information_schema (reconstructed)
-- expect-contains: FOREIGN KEY
-- expect-contains: PRIMARY KEY
SELECT tc.constraint_type, tc.constraint_name, kcu.column_name, ccu.table_name AS foreign_table_name, ccu.column_name AS foreign_column_name FROM information_schema.table_constraints AS tc JOIN information_schema.key_column_usage AS kcu ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema JOIN information_schema.constraint_column_usage AS ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema WHERE tc.table_schema = 'public' AND tc.table_name = 'Deals';

-- name: tableau-preview
-- step: preview
-- source: Tableau's data source page preview: columns aliased, table aliased with its own name, LIMIT 1000 (reconstructed)
-- compare: SELECT "Id", "Title", "Value", "AddTime" FROM Deals LIMIT 1000
SELECT "Deals"."Id" AS "Id", "Deals"."Title" AS "Title", "Deals"."Value" AS "Value", "Deals"."AddTime" AS "AddTime" FROM "public"."Deals" "Deals" LIMIT 1000;

-- name: tableau-report
-- step: report
-- source: Tableau worksheet "SUM(Value) by Status" with a date filter: casts and TIMESTAMP literals (reconstructed)
-- compare: SELECT "Status", SUM("Value") FROM Deals WHERE "AddTime" >= TIMESTAMP '2023-01-01 00:00:00' AND "AddTime" < TIMESTAMP '2025-01-01 00:00:00' GROUP BY "Status"
SELECT "Deals"."Status" AS "Status", SUM(CAST("Deals"."Value" AS DOUBLE PRECISION)) AS "sum:Value:ok" FROM "public"."Deals" "Deals" WHERE (("Deals"."AddTime" >= (TIMESTAMP '2023-01-01 00:00:00.000')) AND ("Deals"."AddTime" < (TIMESTAMP '2025-01-01 00:00:00.000'))) GROUP BY 1;
