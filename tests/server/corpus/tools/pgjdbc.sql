-- tool: pgjdbc 42.5 (Debian libpostgresql-jdbc-java): DBeaver, Tableau, Metabase, Superset-on-JVM tools all run on it

-- name: pgjdbc-01
-- step: connect
-- source: captured from pgjdbc 42.5 DatabaseMetaData against PostgreSQL 15 (connection startup)
-- same-as: corpus/pgjdbc.sql pgjdbc-01

-- name: pgjdbc-02
-- step: connect
-- source: captured from pgjdbc 42.5 DatabaseMetaData against PostgreSQL 15 (connection startup)
-- same-as: corpus/pgjdbc.sql pgjdbc-02

-- name: pgjdbc-03
-- step: tables
-- source: captured from pgjdbc 42.5 DatabaseMetaData against PostgreSQL 15 (getTables)
-- expect-contains: Deals
-- same-as: corpus/pgjdbc.sql pgjdbc-03

-- name: pgjdbc-04
-- step: columns
-- source: captured from pgjdbc 42.5 DatabaseMetaData against PostgreSQL 15 (getColumns)
-- expect-contains: AddTime
-- same-as: corpus/pgjdbc.sql pgjdbc-04

-- name: pgjdbc-05
-- step: columns
-- source: captured from pgjdbc 42.5 DatabaseMetaData against PostgreSQL 15 (getPrimaryKeys)
-- expect-contains: Deals_pkey
-- same-as: corpus/pgjdbc.sql pgjdbc-05

-- name: pgjdbc-07
-- step: columns
-- source: captured from pgjdbc 42.5 DatabaseMetaData against PostgreSQL 15 (getImportedKeys)
-- expect-contains: PersonId
-- same-as: corpus/pgjdbc.sql pgjdbc-07

-- name: pgjdbc-preview
-- step: preview
-- source: a JDBC client's Statement.setMaxRows(1000) preview, as DBeaver runs it (reconstructed)
-- compare: SELECT * FROM Deals LIMIT 1000
SELECT * FROM public."Deals" LIMIT 1000;

-- name: pgjdbc-report
-- step: report
-- source: a prepared statement with a parameter (reconstructed)
-- params: ["open"]
-- compare: SELECT "OwnerId", COUNT(*), MAX("Value") FROM Deals WHERE "Status" = 'open' GROUP BY "OwnerId"
SELECT "OwnerId", count(*), max("Value") FROM public."Deals" WHERE "Status" = $1 GROUP BY "OwnerId";
