-- tool: Metabase (postgres driver over pgjdbc; the sql-jdbc sync of the 0.4x line)
-- Metabase's own statements are taken verbatim from its source (strings as written, str/join rendered); its
-- sync reads tables, columns and keys through pgjdbc's DatabaseMetaData (describe_database.clj /
-- describe_table.clj call getSchemas, getTables(nil, schema, "%", TABLE/VIEW/FOREIGN TABLE/MATERIALIZED VIEW),
-- getColumns(nil, schema, table, nil), getPrimaryKeys(nil, nil, table), getImportedKeys(nil, schema, table)),
-- so those statements were captured from the real pgjdbc making exactly those calls. Newer Metabase releases
-- (modules/drivers/postgres, describe-fields-sql in HoneySQL) are not in this corpus: their source was not
-- available to read here.

-- name: metabase-connect-float
-- step: connect
-- source: captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java) driven for real against `pipedrive-sql serve`, logged by the driver (org.postgresql FINEST: FE=> Parse), connection startup
-- same-as: corpus/pgjdbc.sql pgjdbc-01

-- name: metabase-connect-appname
-- step: connect
-- source: captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java) driven for real against `pipedrive-sql serve`, logged by the driver (org.postgresql FINEST: FE=> Parse), connection startup (pgjdbc's default ApplicationName; Metabase passes its own, not read here)
SET application_name = 'PostgreSQL JDBC Driver';

-- name: metabase-connect-timezone-show
-- step: connect
-- source: metabase/metabase src/metabase/driver/postgres.clj (commit 370249b52907c64fb32de3739c1b2136abd9e960), driver/db-default-timezone (verbatim)
-- expect-contains: UTC
show timezone;

-- name: metabase-connect-timezone
-- step: connect
-- source: metabase/metabase src/metabase/driver/postgres.clj (commit 370249b52907c64fb32de3739c1b2136abd9e960), sql-jdbc.execute/set-timezone-sql "SET SESSION TIMEZONE TO %s;" (rendered with the report timezone as a quoted literal)
SET SESSION TIMEZONE TO 'UTC';

-- name: metabase-schemas
-- step: tables
-- source: metabase/metabase src/metabase/driver/sql_jdbc/sync/describe_database.clj and describe_table.clj (0.4x line, as stored in the search library), fast-active-tables: DatabaseMetaData.getSchemas(), captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java) driven for real against `pipedrive-sql serve`, logged by the driver (org.postgresql FINEST: FE=> Parse)
-- expect-contains: public
-- same-as: corpus/pgjdbc.sql pgjdbc-08

-- name: metabase-tables
-- step: tables
-- source: metabase/metabase src/metabase/driver/sql_jdbc/sync/describe_database.clj and describe_table.clj (0.4x line, as stored in the search library), get-tables: DatabaseMetaData.getTables(nil, "public", "%", ["TABLE" "VIEW" "FOREIGN TABLE" "MATERIALIZED VIEW"]), captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java) driven for real against `pipedrive-sql serve`, logged by the driver (org.postgresql FINEST: FE=> Parse)
-- expect-contains: Deals
SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME,  CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema'  WHEN true THEN CASE  WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TABLE'   WHEN 'v' THEN 'SYSTEM VIEW'   WHEN 'i' THEN 'SYSTEM INDEX'   ELSE NULL   END  WHEN n.nspname = 'pg_toast' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TOAST TABLE'   WHEN 'i' THEN 'SYSTEM TOAST INDEX'   ELSE NULL   END  ELSE CASE c.relkind   WHEN 'r' THEN 'TEMPORARY TABLE'   WHEN 'p' THEN 'TEMPORARY TABLE'   WHEN 'i' THEN 'TEMPORARY INDEX'   WHEN 'S' THEN 'TEMPORARY SEQUENCE'   WHEN 'v' THEN 'TEMPORARY VIEW'   ELSE NULL   END  END  WHEN false THEN CASE c.relkind  WHEN 'r' THEN 'TABLE'  WHEN 'p' THEN 'PARTITIONED TABLE'  WHEN 'i' THEN 'INDEX'  WHEN 'P' then 'PARTITIONED INDEX'  WHEN 'S' THEN 'SEQUENCE'  WHEN 'v' THEN 'VIEW'  WHEN 'c' THEN 'TYPE'  WHEN 'f' THEN 'FOREIGN TABLE'  WHEN 'm' THEN 'MATERIALIZED VIEW'  ELSE NULL  END  ELSE NULL  END  AS TABLE_TYPE, d.description AS REMARKS,  '' as TYPE_CAT, '' as TYPE_SCHEM, '' as TYPE_NAME, '' AS SELF_REFERENCING_COL_NAME, '' AS REF_GENERATION  FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c  LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0  and d.classoid = 'pg_class'::regclass)  WHERE c.relnamespace = n.oid  AND n.nspname LIKE 'public' AND c.relname LIKE '%' AND (false  OR ( c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' )  OR ( c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' )  OR ( c.relkind = 'f' )  OR ( c.relkind = 'm' ) )  ORDER BY TABLE_TYPE,TABLE_SCHEM,TABLE_NAME ;

-- name: metabase-privileges
-- step: tables
-- source: metabase/metabase src/metabase/driver/postgres.clj (commit 370249b52907c64fb32de3739c1b2136abd9e960), sql-jdbc.sync/current-user-table-privileges (verbatim: the lines joined with "\n" as str/join does; note the keyword aliases)
-- expect-contains: Deals
with table_privileges as (
 select
   NULL as role,
   t.schemaname as schema,
   t.objectname as table,
   pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"',  'update') as update,
   pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"',  'select') as select,
   pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"',  'insert') as insert,
   pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"',  'delete') as delete
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

-- name: metabase-enums
-- step: columns
-- source: metabase/metabase src/metabase/driver/postgres.clj (commit 370249b52907c64fb32de3739c1b2136abd9e960), enum-types (verbatim, the str pieces concatenated)
-- expect-rows: 0
SELECT nspname, typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (SELECT DISTINCT enumtypid FROM pg_enum e);

-- name: metabase-fields
-- step: columns
-- source: metabase/metabase src/metabase/driver/sql_jdbc/sync/describe_database.clj and describe_table.clj (0.4x line, as stored in the search library), describe-table-fields: DatabaseMetaData.getColumns(nil, "public", "Deals", nil), captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java) driven for real against `pipedrive-sql serve`, logged by the driver (org.postgresql FINEST: FE=> Parse)
-- expect-contains: Title
-- expect-contains: AddTime
SELECT * FROM (SELECT n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype  FROM pg_catalog.pg_namespace n  JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid)  JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)  JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)  LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum)  LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)  LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class')  LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog')  WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped  AND n.nspname LIKE 'public' AND c.relname LIKE 'Deals') c WHERE true  ORDER BY nspname,c.relname,attnum ;

-- name: metabase-pks
-- step: columns
-- source: metabase/metabase src/metabase/driver/sql_jdbc/sync/describe_database.clj and describe_table.clj (0.4x line, as stored in the search library), add-table-pks: DatabaseMetaData.getPrimaryKeys(nil, nil, "Deals"), captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java) driven for real against `pipedrive-sql serve`, logged by the driver (org.postgresql FINEST: FE=> Parse)
-- expect-contains: Deals_pkey
-- same-as: corpus/pgjdbc.sql pgjdbc-05

-- name: metabase-fks-index-keys
-- step: columns
-- source: metabase/metabase src/metabase/driver/sql_jdbc/sync/describe_database.clj and describe_table.clj (0.4x line, as stored in the search library), describe-table-fks: DatabaseMetaData.getImportedKeys(nil, "public", "Deals"), first statement, captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java) driven for real against `pipedrive-sql serve`, logged by the driver (org.postgresql FINEST: FE=> Parse)
-- expect-rows: 1
-- same-as: corpus/pgjdbc.sql pgjdbc-06

-- name: metabase-fks
-- step: columns
-- source: metabase/metabase src/metabase/driver/sql_jdbc/sync/describe_database.clj and describe_table.clj (0.4x line, as stored in the search library), describe-table-fks: DatabaseMetaData.getImportedKeys(nil, "public", "Deals"), second statement, captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java) driven for real against `pipedrive-sql serve`, logged by the driver (org.postgresql FINEST: FE=> Parse)
-- expect-contains: PersonId
SELECT NULL::text AS PKTABLE_CAT, pkn.nspname AS PKTABLE_SCHEM, pkc.relname AS PKTABLE_NAME, pka.attname AS PKCOLUMN_NAME, NULL::text AS FKTABLE_CAT, fkn.nspname AS FKTABLE_SCHEM, fkc.relname AS FKTABLE_NAME, fka.attname AS FKCOLUMN_NAME, pos.n AS KEY_SEQ, CASE con.confupdtype  WHEN 'c' THEN 0 WHEN 'n' THEN 2 WHEN 'd' THEN 4 WHEN 'r' THEN 1 WHEN 'p' THEN 1 WHEN 'a' THEN 3 ELSE NULL END AS UPDATE_RULE, CASE con.confdeltype  WHEN 'c' THEN 0 WHEN 'n' THEN 2 WHEN 'd' THEN 4 WHEN 'r' THEN 1 WHEN 'p' THEN 1 WHEN 'a' THEN 3 ELSE NULL END AS DELETE_RULE, con.conname AS FK_NAME, pkic.relname AS PK_NAME, CASE  WHEN con.condeferrable AND con.condeferred THEN 5 WHEN con.condeferrable THEN 6 ELSE 7 END AS DEFERRABILITY  FROM  pg_catalog.pg_namespace pkn, pg_catalog.pg_class pkc, pg_catalog.pg_attribute pka,  pg_catalog.pg_namespace fkn, pg_catalog.pg_class fkc, pg_catalog.pg_attribute fka,  pg_catalog.pg_constraint con,  pg_catalog.generate_series(1, 32) pos(n),  pg_catalog.pg_class pkic WHERE pkn.oid = pkc.relnamespace AND pkc.oid = pka.attrelid AND pka.attnum = con.confkey[pos.n] AND con.confrelid = pkc.oid  AND fkn.oid = fkc.relnamespace AND fkc.oid = fka.attrelid AND fka.attnum = con.conkey[pos.n] AND con.conrelid = fkc.oid  AND con.contype = 'f' AND (pkic.relkind = 'i' OR pkic.relkind = 'I') AND pkic.oid = con.conindid  AND fkn.nspname = 'public' AND fkc.relname = 'Deals' ORDER BY pkn.nspname,pkc.relname, con.conname,pos.n;

-- name: metabase-preview
-- step: preview
-- source: Metabase table preview (MBQL compiled to SQL by HoneySQL; the shape of Metabase's compiled queries, schema-qualified columns with aliases; :limit 2000 lowered to 1000 here) (reconstructed: not captured from a running Metabase)
-- compare: SELECT "Id", "Title", "Value" FROM Deals LIMIT 1000
SELECT "public"."Deals"."Id" AS "Id", "public"."Deals"."Title" AS "Title", "public"."Deals"."Value" AS "Value" FROM "public"."Deals" LIMIT 1000;

-- name: metabase-report
-- step: report
-- source: Metabase question "Deals, sum of Value by Status, filtered on Currency" (MBQL compiled to SQL by HoneySQL, in the shape Metabase gives it) (reconstructed: not captured from a running Metabase)
-- compare: SELECT "Status", SUM("Value") FROM Deals WHERE "Currency" = 'EUR' GROUP BY "Status" ORDER BY "Status"
SELECT "public"."Deals"."Status" AS "Status", SUM("public"."Deals"."Value") AS "sum" FROM "public"."Deals" WHERE "public"."Deals"."Currency" = 'EUR' GROUP BY "public"."Deals"."Status" ORDER BY "public"."Deals"."Status" ASC;
