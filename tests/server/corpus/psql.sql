-- Exact queries sent by psql 15 (Debian postgresql-client): \dt, \d Deals, \d "Deals", \d, \dn, \l.
-- Captured from the client talking to PostgreSQL 15 with log_statement=all; {oid:Name} stands for a table's oid.

-- name: psql-01
-- expect-columns: oid, nspname, relname
-- expect-rows: 1
SELECT c.oid,
	  n.nspname,
	  c.relname
	FROM pg_catalog.pg_class c
	     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE c.relname OPERATOR(pg_catalog.~) '^(Deals)$' COLLATE pg_catalog.default
	  AND pg_catalog.pg_table_is_visible(c.oid)
	ORDER BY 2, 3;

-- name: psql-02
-- expect-columns: relchecks, relkind, relhasindex, relhasrules, relhastriggers, relrowsecurity, relforcerowsecurity, relhasoids, relispartition, ?column?, reltablespace, reloftype, relpersistence, relreplident, amname
-- expect-rows: 1
SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
	FROM pg_catalog.pg_class c
	 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
	LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
	WHERE c.oid = '{oid:Deals}';

-- name: psql-03
-- expect-columns: attname, format_type, pg_get_expr, attnotnull, attcollation, attidentity, attgenerated
-- expect-rows: 9
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
-- expect-columns: relname, indisprimary, indisunique, indisclustered, indisvalid, pg_get_indexdef, pg_get_constraintdef, contype, condeferrable, condeferred, indisreplident, reltablespace
-- expect-rows: 1
-- expect-contains: PRIMARY KEY
SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
	  pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
	FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
	  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
	WHERE c.oid = '{oid:Deals}' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
	ORDER BY i.indisprimary DESC, c2.relname;

-- name: psql-05
-- expect-columns: sametable, conname, condef, ontable
-- expect-rows: 1
-- expect-contains: FOREIGN KEY
SELECT true as sametable, conname,
	  pg_catalog.pg_get_constraintdef(r.oid, true) as condef,
	  conrelid::pg_catalog.regclass AS ontable
	FROM pg_catalog.pg_constraint r
	WHERE r.conrelid = '{oid:Deals}' AND r.contype = 'f'
	     AND conparentid = 0
	ORDER BY conname;

-- name: psql-06
-- expect-columns: conname, ontable, condef
-- expect-rows: 0
SELECT conname, conrelid::pg_catalog.regclass AS ontable,
	       pg_catalog.pg_get_constraintdef(oid, true) AS condef
	  FROM pg_catalog.pg_constraint c
	 WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors('{oid:Deals}')
	                     UNION ALL VALUES ('{oid:Deals}'::pg_catalog.regclass))
	       AND contype = 'f' AND conparentid = 0
	ORDER BY conname;

-- name: psql-07
-- expect-columns: polname, polpermissive, array_to_string, pg_get_expr, pg_get_expr, cmd
-- expect-rows: 0
SELECT pol.polname, pol.polpermissive,
	  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END,
	  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
	  pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),
	  CASE pol.polcmd
	    WHEN 'r' THEN 'SELECT'
	    WHEN 'a' THEN 'INSERT'
	    WHEN 'w' THEN 'UPDATE'
	    WHEN 'd' THEN 'DELETE'
	    END AS cmd
	FROM pg_catalog.pg_policy pol
	WHERE pol.polrelid = '{oid:Deals}' ORDER BY 1;

-- name: psql-08
-- expect-columns: oid, stxrelid, nsp, stxname, columns, ndist_enabled, deps_enabled, mcv_enabled, stxstattarget
-- expect-rows: 0
SELECT oid, stxrelid::pg_catalog.regclass, stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, stxname,
	pg_catalog.pg_get_statisticsobjdef_columns(oid) AS columns,
	  'd' = any(stxkind) AS ndist_enabled,
	  'f' = any(stxkind) AS deps_enabled,
	  'm' = any(stxkind) AS mcv_enabled,
	stxstattarget
	FROM pg_catalog.pg_statistic_ext
	WHERE stxrelid = '{oid:Deals}'
	ORDER BY nsp, stxname;

-- name: psql-09
-- expect-columns: pubname, ?column?, ?column?
-- expect-rows: 0
SELECT pubname
	     , NULL
	     , NULL
	FROM pg_catalog.pg_publication p
	     JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid
	     JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid
	WHERE pc.oid ='{oid:Deals}' and pg_catalog.pg_relation_is_publishable('{oid:Deals}')
	UNION
	SELECT pubname
	     , pg_get_expr(pr.prqual, c.oid)
	     , (CASE WHEN pr.prattrs IS NOT NULL THEN
	         (SELECT string_agg(attname, ', ')
	           FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s,
	                pg_catalog.pg_attribute
	          WHERE attrelid = pr.prrelid AND attnum = prattrs[s])
	        ELSE NULL END) FROM pg_catalog.pg_publication p
	     JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid
	     JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
	WHERE pr.prrelid = '{oid:Deals}'
	UNION
	SELECT pubname
	     , NULL
	     , NULL
	FROM pg_catalog.pg_publication p
	WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable('{oid:Deals}')
	ORDER BY 1;

-- name: psql-10
-- expect-columns: tgname, pg_get_triggerdef, tgenabled, tgisinternal, parent
-- expect-rows: 0
SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true), t.tgenabled, t.tgisinternal,
	  CASE WHEN t.tgparentid != 0 THEN
	    (SELECT u.tgrelid::pg_catalog.regclass
	     FROM pg_catalog.pg_trigger AS u,
	          pg_catalog.pg_partition_ancestors(t.tgrelid) WITH ORDINALITY AS a(relid, depth)
	     WHERE u.tgname = t.tgname AND u.tgrelid = a.relid
	           AND u.tgparentid = 0
	     ORDER BY a.depth LIMIT 1)
	  END AS parent
	FROM pg_catalog.pg_trigger t
	WHERE t.tgrelid = '{oid:Deals}' AND (NOT t.tgisinternal OR (t.tgisinternal AND t.tgenabled = 'D'))
	ORDER BY 1;

-- name: psql-11
-- expect-columns: oid
-- expect-rows: 0
SELECT c.oid::pg_catalog.regclass
	FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
	WHERE c.oid = i.inhparent AND i.inhrelid = '{oid:Deals}'
	  AND c.relkind != 'p' AND c.relkind != 'I'
	ORDER BY inhseqno;

-- name: psql-12
-- expect-columns: oid, relkind, inhdetachpending, pg_get_expr
-- expect-rows: 0
SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, pg_catalog.pg_get_expr(c.relpartbound, c.oid)
	FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
	WHERE c.oid = i.inhrelid AND i.inhparent = '{oid:Deals}'
	ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.oid::pg_catalog.regclass::pg_catalog.text;

-- name: psql-13
-- expect-columns: Schema, Name, Type, Owner
-- expect-rows: 3
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

-- name: psql-14
-- expect-columns: Name, Owner
-- expect-rows: 1
SELECT n.nspname AS "Name",
	  pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner"
	FROM pg_catalog.pg_namespace n
	WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
	ORDER BY 1;

-- name: psql-15
-- expect-rows: 1
-- one served database (PostgreSQL also lists postgres, template0, template1)
SELECT d.datname as "Name",
	       pg_catalog.pg_get_userbyid(d.datdba) as "Owner",
	       pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",
	       d.datcollate as "Collate",
	       d.datctype as "Ctype",
	       d.daticulocale as "ICU Locale",
	       CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS "Locale Provider",
	       pg_catalog.array_to_string(d.datacl, E'\n') AS "Access privileges"
	FROM pg_catalog.pg_database d
	ORDER BY 1;

-- name: psql-16
-- psql lower-cases an unquoted \d pattern (\d Deals); PostgreSQL would find nothing, the server matches
-- names case-insensitively so the driver's mixed-case tables are found the way a user means them
-- expect-columns: oid, nspname, relname
-- expect-rows: 1
-- expect-contains: Deals
SELECT c.oid,
	  n.nspname,
	  c.relname
	FROM pg_catalog.pg_class c
	     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE c.relname OPERATOR(pg_catalog.~) '^(deals)$' COLLATE pg_catalog.default
	  AND pg_catalog.pg_table_is_visible(c.oid)
	ORDER BY 2, 3;
