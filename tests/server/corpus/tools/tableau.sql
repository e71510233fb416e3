-- tool: Tableau Desktop / Server (PostgreSQL connector over pgjdbc, class postgres_jdbc, since 2020.4)
-- Tableau itself is closed source. Its metadata comes from the JDBC driver's DatabaseMetaData, so the connect,
-- tables and columns statements are pgjdbc's, captured from the real driver; which DatabaseMetaData calls Tableau
-- makes (and with which arguments) is our reading of its connector SDK, not a capture of Tableau. Its data queries
-- are built by the dialect of the SDK's postgres_jdbc sample (dialect.tdd: format-select parts SELECT/FROM/WHERE/
-- GROUP BY/LIMIT, datetime literals (TIMESTAMP 'yyyy-MM-dd HH:mm:ss.SSS'), FALSE for a false predicate), which
-- is how the preview and report below are rendered; the expression trees and generated aliases are Tableau's
-- and are reconstructed.

-- name: tableau-connect-float
-- step: connect
-- source: captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) driven for real against `pipedrive-sql serve` and logged by the driver (java.util.logging, org.postgresql FINEST: FE=> Parse), connection startup
-- same-as: corpus/pgjdbc.sql pgjdbc-01

-- name: tableau-connect-appname
-- step: connect
-- source: captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) driven for real against `pipedrive-sql serve` and logged by the driver (java.util.logging, org.postgresql FINEST: FE=> Parse), connection startup (no ApplicationName in the SDK's connectionProperties.js, so pgjdbc's default)
-- same-as: tools/metabase.sql metabase-connect-appname

-- name: tableau-tables
-- step: tables
-- source: captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) driven for real against `pipedrive-sql serve` and logged by the driver (java.util.logging, org.postgresql FINEST: FE=> Parse): DatabaseMetaData.getTables(null, "public", "%", {"TABLE", "VIEW"})
-- expect-contains: Deals
SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME,  CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema'  WHEN true THEN CASE  WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TABLE'   WHEN 'v' THEN 'SYSTEM VIEW'   WHEN 'i' THEN 'SYSTEM INDEX'   ELSE NULL   END  WHEN n.nspname = 'pg_toast' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TOAST TABLE'   WHEN 'i' THEN 'SYSTEM TOAST INDEX'   ELSE NULL   END  ELSE CASE c.relkind   WHEN 'r' THEN 'TEMPORARY TABLE'   WHEN 'p' THEN 'TEMPORARY TABLE'   WHEN 'i' THEN 'TEMPORARY INDEX'   WHEN 'S' THEN 'TEMPORARY SEQUENCE'   WHEN 'v' THEN 'TEMPORARY VIEW'   ELSE NULL   END  END  WHEN false THEN CASE c.relkind  WHEN 'r' THEN 'TABLE'  WHEN 'p' THEN 'PARTITIONED TABLE'  WHEN 'i' THEN 'INDEX'  WHEN 'P' then 'PARTITIONED INDEX'  WHEN 'S' THEN 'SEQUENCE'  WHEN 'v' THEN 'VIEW'  WHEN 'c' THEN 'TYPE'  WHEN 'f' THEN 'FOREIGN TABLE'  WHEN 'm' THEN 'MATERIALIZED VIEW'  ELSE NULL  END  ELSE NULL  END  AS TABLE_TYPE, d.description AS REMARKS,  '' as TYPE_CAT, '' as TYPE_SCHEM, '' as TYPE_NAME, '' AS SELF_REFERENCING_COL_NAME, '' AS REF_GENERATION  FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c  LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0  and d.classoid = 'pg_class'::regclass)  WHERE c.relnamespace = n.oid  AND n.nspname LIKE 'public' AND c.relname LIKE '%' AND (false  OR ( c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' )  OR ( c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' ) )  ORDER BY TABLE_TYPE,TABLE_SCHEM,TABLE_NAME ;

-- name: tableau-columns
-- step: columns
-- source: captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) driven for real against `pipedrive-sql serve` and logged by the driver (java.util.logging, org.postgresql FINEST: FE=> Parse): DatabaseMetaData.getColumns(null, "public", "Deals", "%")
-- expect-contains: AddTime
-- expect-contains: Value
SELECT * FROM (SELECT n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype  FROM pg_catalog.pg_namespace n  JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid)  JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)  JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)  LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum)  LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)  LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class')  LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog')  WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped  AND n.nspname LIKE 'public' AND c.relname LIKE 'Deals') c WHERE true  AND attname LIKE '%' ORDER BY nspname,c.relname,attnum ;

-- name: tableau-columns-pk
-- step: columns
-- source: captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) driven for real against `pipedrive-sql serve` and logged by the driver (java.util.logging, org.postgresql FINEST: FE=> Parse): DatabaseMetaData.getPrimaryKeys(null, "public", "Deals")
-- expect-contains: Deals_pkey
SELECT        result.TABLE_CAT,        result.TABLE_SCHEM,        result.TABLE_NAME,        result.COLUMN_NAME,        result.KEY_SEQ,        result.PK_NAME FROM      (SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM,   ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,   (information_schema._pg_expandarray(i.indkey)).n AS KEY_SEQ, ci.relname AS PK_NAME,   information_schema._pg_expandarray(i.indkey) AS KEYS, a.attnum AS A_ATTNUM FROM pg_catalog.pg_class ct   JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)   JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)   JOIN pg_catalog.pg_index i ON ( a.attrelid = i.indrelid)   JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid) WHERE true  AND n.nspname = 'public' AND ct.relname = 'Deals' AND i.indisprimary  ) result where  result.A_ATTNUM = (result.KEYS).x  ORDER BY result.table_name, result.pk_name, result.key_seq;

-- name: tableau-columns-index-keys
-- step: columns
-- source: captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) driven for real against `pipedrive-sql serve` and logged by the driver (java.util.logging, org.postgresql FINEST: FE=> Parse): DatabaseMetaData.getImportedKeys(null, "public", "Deals"), first statement
-- expect-rows: 1
-- same-as: corpus/pgjdbc.sql pgjdbc-06

-- name: tableau-columns-fks
-- step: columns
-- source: captured from pgjdbc 42.5.5 (Debian libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) driven for real against `pipedrive-sql serve` and logged by the driver (java.util.logging, org.postgresql FINEST: FE=> Parse): DatabaseMetaData.getImportedKeys(null, "public", "Deals"), second statement
-- expect-contains: PersonId
-- same-as: tools/metabase.sql metabase-fks

-- name: tableau-preview
-- step: preview
-- source: tableau/connector-plugin-sdk samples/plugins/postgres_jdbc (commit cdf746b322da944bc386e01dc24ed593b69758b7) dialect.tdd format-select (SELECT %1 / FROM %1 / LIMIT %1) with the data source page's 1,000-row preview (rendered; column list and aliases reconstructed)
-- compare: SELECT "Id", "Title", "Value", "AddTime" FROM Deals LIMIT 1000
SELECT "Deals"."Id" AS "Id", "Deals"."Title" AS "Title", "Deals"."Value" AS "Value", "Deals"."AddTime" AS "AddTime" FROM "public"."Deals" "Deals" LIMIT 1000;

-- name: tableau-report
-- step: report
-- source: tableau/connector-plugin-sdk samples/plugins/postgres_jdbc (commit cdf746b322da944bc386e01dc24ed593b69758b7) dialect.tdd format-select and format-datetime-literal "(TIMESTAMP '%1')" yyyy-MM-dd HH:mm:ss.SSS: worksheet "SUM(Value) by Status" with a date filter (rendered; expression tree and aliases reconstructed)
-- compare: SELECT "Status", SUM("Value") FROM Deals WHERE "AddTime" >= TIMESTAMP '2023-01-01 00:00:00' AND "AddTime" < TIMESTAMP '2025-01-01 00:00:00' GROUP BY "Status"
SELECT "Deals"."Status" AS "Status", SUM(CAST("Deals"."Value" AS DOUBLE PRECISION)) AS "sum:Value:ok" FROM "public"."Deals" "Deals" WHERE (("Deals"."AddTime" >= (TIMESTAMP '2023-01-01 00:00:00.000')) AND ("Deals"."AddTime" < (TIMESTAMP '2025-01-01 00:00:00.000'))) GROUP BY 1;
