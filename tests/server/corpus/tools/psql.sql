-- tool: psql 15 (Debian postgresql-client): \dt, \d Deals, then the user's own queries

-- name: psql-13
-- step: tables
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all), as in corpus/psql.sql (\dt)
-- expect-contains: Deals
SELECT n.nspname as "Schema",
	  c.relname as "Name",
	  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
	  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
	FROM pg_catalog.pg_class c
	     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
	WHERE c.relkind IN ('r','p','v','m','S','f','')
	      AND n.nspname <> 'pg_catalog'
	      AND n.nspname !~ '^pg_toast'
	      AND n.nspname <> 'information_schema'
	  AND pg_catalog.pg_table_is_visible(c.oid)
	ORDER BY 1,2;

-- name: psql-01
-- step: tables
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all), as in corpus/psql.sql (\d Deals: find the relation)
-- expect-contains: Deals
SELECT c.oid,
	  n.nspname,
	  c.relname
	FROM pg_catalog.pg_class c
	     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE c.relname OPERATOR(pg_catalog.~) '^(Deals)$' COLLATE pg_catalog.default
	  AND pg_catalog.pg_table_is_visible(c.oid)
	ORDER BY 2, 3;

-- name: psql-03
-- step: columns
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all), as in corpus/psql.sql (\d Deals: columns)
-- expect-contains: timestamp with time zone
SELECT a.attname,
	  pg_catalog.format_type(a.atttypid, a.atttypmod),
	  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
	   FROM pg_catalog.pg_attrdef d
	   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
	  a.attnotnull,
	  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
	   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
	  a.attidentity,
	  a.attgenerated
	FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = '{oid:Deals}' AND a.attnum > 0 AND NOT a.attisdropped
	ORDER BY a.attnum;

-- name: psql-04
-- step: columns
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all), as in corpus/psql.sql (\d Deals: indexes)
-- expect-contains: PRIMARY KEY
SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
	  pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
	FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
	  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
	WHERE c.oid = '{oid:Deals}' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
	ORDER BY i.indisprimary DESC, c2.relname;

-- name: psql-05
-- step: columns
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all), as in corpus/psql.sql (\d Deals: foreign keys)
-- expect-contains: FOREIGN KEY
SELECT true as sametable, conname,
	  pg_catalog.pg_get_constraintdef(r.oid, true) as condef,
	  conrelid::pg_catalog.regclass AS ontable
	FROM pg_catalog.pg_constraint r
	WHERE r.conrelid = '{oid:Deals}' AND r.contype = 'f'
	     AND conparentid = 0
	ORDER BY conname;

-- name: psql-connect
-- step: connect
-- source: psql 15 sends nothing on connect; a user's first statement (reconstructed)
-- expect-contains: PostgreSQL
select version();

-- name: psql-preview
-- step: preview
-- source: what a psql user types: unquoted, lower-case names (reconstructed)
-- compare: SELECT * FROM Deals LIMIT 1000
select * from deals limit 1000;

-- name: psql-report
-- step: report
-- source: what a psql user types (reconstructed)
-- compare: SELECT "Status", COUNT(*), SUM("Value") FROM Deals WHERE "AddTime" >= TIMESTAMP '2023-01-01 00:00:00' GROUP BY "Status"
select status, count(*), sum(value) from deals where addtime >= timestamp '2023-01-01 00:00:00' group by status;
