-- tool: Metabase (postgres driver over pgjdbc)

-- name: metabase-connect-float
-- step: connect
-- source: pgjdbc 42.x connection startup, which Metabase's postgres driver uses (as captured in corpus/pgjdbc.sql)
SET extra_float_digits = 3;

-- name: metabase-connect-appname
-- step: connect
-- source: pgjdbc 42.x connection startup with Metabase's ApplicationName (reconstructed value)
SET application_name = 'Metabase v0.50.0 [7c3d8d53-2c9c-4d3f-a3b5-6bd4e6b2d1a0]';

-- name: metabase-connect-timezone
-- step: connect
-- source: metabase/metabase modules/drivers/postgres/src/metabase/driver/postgres.clj, set-timezone-sql (reconstructed)
SET SESSION TIMEZONE TO 'UTC';

-- name: metabase-tables
-- step: tables
-- source: metabase/metabase modules/drivers/postgres/src/metabase/driver/postgres.clj, describe-syncable-tables (HoneySQL rendered; reconstructed)
-- expect-contains: Deals
SELECT "n"."nspname" AS "schema", "c"."relname" AS "name", CASE "c"."relkind" WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS "type", "d"."description" AS "description", "stat"."n_live_tup" AS "estimated_row_count"
FROM "pg_catalog"."pg_class" AS "c"
INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "c"."relnamespace" = "n"."oid"
LEFT JOIN "pg_catalog"."pg_description" AS "d" ON ("c"."oid" = "d"."objoid") AND ("d"."objsubid" = 0) AND ("d"."classoid" = 'pg_class'::regclass)
LEFT JOIN "pg_stat_user_tables" AS "stat" ON ("n"."nspname" = "stat"."schemaname") AND ("c"."relname" = "stat"."relname")
WHERE ("c"."relnamespace" = "n"."oid") AND ("n"."nspname" !~ '^pg_') AND ("n"."nspname" <> 'information_schema') AND c.relkind in ('r', 'p', 'v', 'f', 'm') AND ("n"."nspname" NOT IN ('information_schema'))
ORDER BY "type" ASC, "schema" ASC, "name" ASC;

-- name: metabase-privileges
-- step: tables
-- source: metabase/metabase modules/drivers/postgres/src/metabase/driver/postgres.clj, current-user-table-privileges (reconstructed; note the keyword aliases)
-- expect-contains: Deals
with table_privileges as (
 select
   NULL as role,
   t.schemaname as schema,
   t.objectname as table,
   pg_catalog.has_any_column_privilege(current_user, '"' || replace(t.schemaname, '"', '""') || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"',  'update') as update,
   pg_catalog.has_table_privilege(current_user, '"' || replace(t.schemaname, '"', '""') || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"',  'select') as select,
   pg_catalog.has_table_privilege(current_user, '"' || replace(t.schemaname, '"', '""') || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"',  'insert') as insert,
   pg_catalog.has_table_privilege(current_user, '"' || replace(t.schemaname, '"', '""') || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"',  'delete') as delete
 from (
   select schemaname, tablename as objectname from pg_catalog.pg_tables
   union
   select schemaname, viewname as objectname from pg_catalog.pg_views
   union
   select schemaname, matviewname as objectname from pg_catalog.pg_matviews
 ) t
 where t.schemaname !~ '^pg_'
   and t.schemaname <> 'information_schema'
   and pg_catalog.has_schema_privilege(current_user, t.schemaname, 'usage')
)
select t.*
from table_privileges t;

-- name: metabase-fields
-- step: columns
-- source: metabase/metabase modules/drivers/postgres/src/metabase/driver/postgres.clj, describe-fields-sql (HoneySQL rendered; reconstructed)
-- expect-contains: Title
-- expect-contains: float8
SELECT "c"."column_name" AS "name",
  CASE WHEN "c"."udt_schema" IN ('public', 'pg_catalog') THEN format('%s', "c"."udt_name") ELSE format('"%s"."%s"', "c"."udt_schema", "c"."udt_name") END AS "database-type",
  "c"."ordinal_position" - 1 AS "database-position",
  "c"."table_schema" AS "table-schema",
  "c"."table_name" AS "table-name",
  "pk"."column_name" IS NOT NULL AS "pk?",
  COL_DESCRIPTION(CAST(CAST(format('%I.%I', CAST("c"."table_schema" AS TEXT), CAST("c"."table_name" AS TEXT)) AS REGCLASS) AS OID), "c"."ordinal_position") AS "field-comment",
  (("column_default" IS NULL) OR (LOWER("column_default") = 'null')) AND ("is_nullable" = 'NO') AND NOT ((("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO')) AS "database-required",
  (("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO') AS "database-is-auto-increment"
FROM "information_schema"."columns" AS "c"
LEFT JOIN (SELECT "tc"."table_schema", "tc"."table_name", "kc"."column_name" FROM "information_schema"."table_constraints" AS "tc" INNER JOIN "information_schema"."key_column_usage" AS "kc" ON ("tc"."constraint_name" = "kc"."constraint_name") AND ("tc"."table_schema" = "kc"."table_schema") AND ("tc"."table_name" = "kc"."table_name") WHERE "tc"."constraint_type" = 'PRIMARY KEY') AS "pk" ON ("c"."table_schema" = "pk"."table_schema") AND ("c"."table_name" = "pk"."table_name") AND ("c"."column_name" = "pk"."column_name")
WHERE c.table_schema !~ '^information_schema|catalog_history|pg_' AND ("c"."table_schema" IN ('public')) AND ("c"."table_name" IN ('Deals'))
ORDER BY "table-schema" ASC, "table-name" ASC, "database-position" ASC;

-- name: metabase-fks
-- step: columns
-- source: metabase/metabase modules/drivers/postgres/src/metabase/driver/postgres.clj, describe-fks-sql (reconstructed)
-- expect-contains: PersonId
SELECT "fk_ns"."nspname" AS "fk-table-schema", "fk_table"."relname" AS "fk-table-name", "fk_column"."attname" AS "fk-column-name", "pk_ns"."nspname" AS "pk-table-schema", "pk_table"."relname" AS "pk-table-name", "pk_column"."attname" AS "pk-column-name"
FROM "pg_constraint" AS "c"
INNER JOIN "pg_class" AS "fk_table" ON "c"."conrelid" = "fk_table"."oid"
INNER JOIN "pg_namespace" AS "fk_ns" ON "c"."connamespace" = "fk_ns"."oid"
INNER JOIN "pg_attribute" AS "fk_column" ON "c"."conrelid" = "fk_column"."attrelid"
INNER JOIN "pg_class" AS "pk_table" ON "c"."confrelid" = "pk_table"."oid"
INNER JOIN "pg_namespace" AS "pk_ns" ON "pk_table"."relnamespace" = "pk_ns"."oid"
INNER JOIN "pg_attribute" AS "pk_column" ON "c"."confrelid" = "pk_column"."attrelid"
WHERE ("fk_ns"."nspname" !~ '^information_schema|catalog_history|pg_') AND ("c"."contype" = 'f'::char) AND ("fk_column"."attnum" = ANY("c"."conkey")) AND ("pk_column"."attnum" = ANY("c"."confkey")) AND ("fk_ns"."nspname" IN ('public')) AND ("fk_table"."relname" IN ('Deals'))
ORDER BY "fk-table-schema" ASC, "fk-table-name" ASC;

-- name: metabase-preview
-- step: preview
-- source: Metabase table preview (MBQL compiled to SQL, :limit 2000 lowered to 1000 here) (reconstructed)
-- compare: SELECT "Id", "Title", "Value" FROM Deals LIMIT 1000
SELECT "public"."Deals"."Id" AS "Id", "public"."Deals"."Title" AS "Title", "public"."Deals"."Value" AS "Value" FROM "public"."Deals" LIMIT 1000;

-- name: metabase-report
-- step: report
-- source: Metabase question "Deals, sum of Value by Status, filtered on Currency" (MBQL compiled to SQL) (reconstructed)
-- compare: SELECT "Status", SUM("Value") FROM Deals WHERE "Currency" = 'EUR' GROUP BY "Status" ORDER BY "Status"
SELECT "public"."Deals"."Status" AS "Status", SUM("public"."Deals"."Value") AS "sum" FROM "public"."Deals" WHERE "public"."Deals"."Currency" = 'EUR' GROUP BY "public"."Deals"."Status" ORDER BY "public"."Deals"."Status" ASC;
