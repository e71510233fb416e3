-- Exact queries sent by psqlODBC 13 (Debian odbc-postgresql) with unixODBC and pyodbc: connect, SQLTables, SQLColumns, SQLPrimaryKeys, SQLForeignKeys, SQLStatistics, a parameterised query.
-- Captured from the client talking to PostgreSQL 15 with log_statement=all; {oid:Name} stands for a table's oid.

-- name: psqlodbc-01
-- expect-columns: transaction_isolation
-- expect-rows: 1
SET DateStyle = 'ISO';SET extra_float_digits = 2;show transaction_isolation;

-- name: psqlodbc-02
-- expect-columns: oid, typbasetype
-- expect-rows: 0
select oid, typbasetype from pg_type where typname = 'lo';

-- name: psqlodbc-03
-- expect-columns: relname, nspname, relkind
-- expect-rows: 3
select relname, nspname, relkind from pg_catalog.pg_class c, pg_catalog.pg_namespace n where relkind in ('r', 'v', 'm', 'f', 'p') and nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'pg_temp_1') and n.oid = relnamespace order by nspname, relname;

-- name: psqlodbc-04
-- expect-columns: current_schema
-- expect-rows: 1
select current_schema();

-- name: psqlodbc-05
-- expect-columns: relname, nspname, relkind
-- expect-rows: 1
select relname, nspname, relkind from pg_catalog.pg_class c, pg_catalog.pg_namespace n where relkind in ('r', 'v', 'm', 'f', 'p') and nspname like 'public' and relname like 'Deals' and nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'pg_temp_1') and n.oid = relnamespace order by nspname, relname;

-- name: psqlodbc-06
-- expect-columns: nspname, relname, attname, atttypid, typname, attnum, attlen, atttypmod, attnotnull, relhasrules, relkind, oid, pg_get_expr, case, typtypmod, ?column?, attidentity, relhassubclass
-- expect-rows: 9
-- expect-contains: Title
select n.nspname, c.relname, a.attname, a.atttypid, t.typname, a.attnum, a.attlen, a.atttypmod, a.attnotnull, c.relhasrules, c.relkind, c.oid, pg_get_expr(d.adbin, d.adrelid), case t.typtype when 'd' then t.typbasetype else 0 end, t.typtypmod, 0, attidentity, c.relhassubclass from (((pg_catalog.pg_class c inner join pg_catalog.pg_namespace n on n.oid = c.relnamespace and c.relname like 'Deals' and n.nspname like 'public') inner join pg_catalog.pg_attribute a on (not a.attisdropped) and a.attnum > 0 and a.attrelid = c.oid) inner join pg_catalog.pg_type t on t.oid = a.atttypid) left outer join pg_attrdef d on a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum order by n.nspname, c.relname, attnum;

-- name: psqlodbc-07
-- expect-columns: attname, attnum, relname, nspname, relname
-- expect-rows: 1
select ta.attname, ia.attnum, ic.relname, n.nspname, tc.relname from pg_catalog.pg_attribute ta, pg_catalog.pg_attribute ia, pg_catalog.pg_class tc, pg_catalog.pg_index i, pg_catalog.pg_namespace n, pg_catalog.pg_class ic where tc.relname = 'Deals' AND n.nspname = 'public' AND tc.oid = i.indrelid AND n.oid = tc.relnamespace AND i.indisprimary = 't' AND ia.attrelid = i.indexrelid AND ta.attrelid = i.indrelid AND ta.attnum = i.indkey[ia.attnum-1] AND (NOT ta.attisdropped) AND (NOT ia.attisdropped) AND ic.oid = i.indexrelid order by ia.attnum;

-- name: psqlodbc-08
-- expect-columns: PKTABLE_CAT, PKTABLE_SCHEM, PKTABLE_NAME, PKCOLUMN_NAME, FKTABLE_CAT, FKTABLE_SCHEM, FKTABLE_NAME, FKCOLUMN_NAME, KEY_SEQ, UPDATE_RULE, DELETE_RULE, FK_NAME, PK_NAME, DEFERRABILITY
-- expect-rows: 1
-- expect-contains: Deals_PersonId_fkey
select	'crm'::name as "PKTABLE_CAT",
		n2.nspname as "PKTABLE_SCHEM",
		c2.relname as "PKTABLE_NAME",
		a2.attname as "PKCOLUMN_NAME",
		'crm'::name as "FKTABLE_CAT",
		n1.nspname as "FKTABLE_SCHEM",
		c1.relname as "FKTABLE_NAME",
		a1.attname as "FKCOLUMN_NAME",
		i::int2 as "KEY_SEQ",
		case ref.confupdtype
			when 'c' then 0::int2
			when 'n' then 2::int2
			when 'd' then 4::int2
			when 'r' then 1::int2
			else 3::int2
		end as "UPDATE_RULE",
		case ref.confdeltype
			when 'c' then 0::int2
			when 'n' then 2::int2
			when 'd' then 4::int2
			when 'r' then 1::int2
			else 3::int2
		end as "DELETE_RULE",
		ref.conname as "FK_NAME",
		cn.conname as "PK_NAME",
		case
			when ref.condeferrable then
				case
				when ref.condeferred then 5::int2
				else 6::int2
				end
			else 7::int2
		end as "DEFERRABILITY"
	 from
	 ((((((( (select cn.oid, conrelid, conkey, confrelid, confkey,
		 generate_series(array_lower(conkey, 1), array_upper(conkey, 1)) as i,
		 confupdtype, confdeltype, conname,
		 condeferrable, condeferred
	  from pg_catalog.pg_constraint cn,
		pg_catalog.pg_class c,
		pg_catalog.pg_namespace n
	  where contype = 'f' 
	   and  conrelid = c.oid
	   and  relname = 'Deals'
	   and  n.oid = c.relnamespace
	   and  n.nspname = 'public'
	 ) ref
	 inner join pg_catalog.pg_class c1
	  on c1.oid = ref.conrelid)
	 inner join pg_catalog.pg_namespace n1
	  on  n1.oid = c1.relnamespace)
	 inner join pg_catalog.pg_attribute a1
	  on  a1.attrelid = c1.oid
	  and  a1.attnum = conkey[i])
	 inner join pg_catalog.pg_class c2
	  on  c2.oid = ref.confrelid)
	 inner join pg_catalog.pg_namespace n2
	  on  n2.oid = c2.relnamespace)
	 inner join pg_catalog.pg_attribute a2
	  on  a2.attrelid = c2.oid
	  and  a2.attnum = confkey[i])
	 left outer join pg_catalog.pg_constraint cn
	  on cn.conrelid = ref.confrelid
	  and cn.contype = 'p')
	  order by ref.oid, ref.i;

-- name: psqlodbc-09
-- expect-columns: max_identifier_length
-- expect-rows: 1
show max_identifier_length;

-- name: psqlodbc-10
-- expect-rows: 0
-- columns of system catalogs: asked only when RowDescription carries table oids, which this server never sends
select n.nspname, c.relname, a.attname, a.atttypid, t.typname, a.attnum, a.attlen, a.atttypmod, a.attnotnull, c.relhasrules, c.relkind, c.oid, pg_get_expr(d.adbin, d.adrelid), case t.typtype when 'd' then t.typbasetype else 0 end, t.typtypmod, 0, attidentity, c.relhassubclass from (((pg_catalog.pg_class c inner join pg_catalog.pg_namespace n on n.oid = c.relnamespace and c.oid = 2615) inner join pg_catalog.pg_attribute a on (not a.attisdropped) and a.attnum > 0 and a.attrelid = c.oid) inner join pg_catalog.pg_type t on t.oid = a.atttypid) left outer join pg_attrdef d on a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum order by n.nspname, c.relname, attnum;

-- name: psqlodbc-11
-- expect-rows: 0
select n.nspname, c.relname, a.attname, a.atttypid, t.typname, a.attnum, a.attlen, a.atttypmod, a.attnotnull, c.relhasrules, c.relkind, c.oid, pg_get_expr(d.adbin, d.adrelid), case t.typtype when 'd' then t.typbasetype else 0 end, t.typtypmod, 0, attidentity, c.relhassubclass from (((pg_catalog.pg_class c inner join pg_catalog.pg_namespace n on n.oid = c.relnamespace and c.oid = 1259) inner join pg_catalog.pg_attribute a on (not a.attisdropped) and a.attnum > 0 and a.attrelid = c.oid) inner join pg_catalog.pg_type t on t.oid = a.atttypid) left outer join pg_attrdef d on a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum order by n.nspname, c.relname, attnum;

-- name: psqlodbc-12
-- expect-rows: 0
select n.nspname, c.relname, a.attname, a.atttypid, t.typname, a.attnum, a.attlen, a.atttypmod, a.attnotnull, c.relhasrules, c.relkind, c.oid, pg_get_expr(d.adbin, d.adrelid), case t.typtype when 'd' then t.typbasetype else 0 end, t.typtypmod, 0, attidentity, c.relhassubclass from (((pg_catalog.pg_class c inner join pg_catalog.pg_namespace n on n.oid = c.relnamespace and c.oid = 1249) inner join pg_catalog.pg_attribute a on (not a.attisdropped) and a.attnum > 0 and a.attrelid = c.oid) inner join pg_catalog.pg_type t on t.oid = a.atttypid) left outer join pg_attrdef d on a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum order by n.nspname, c.relname, attnum;

-- name: psqlodbc-13
-- expect-rows: 0
select n.nspname, c.relname, a.attname, a.atttypid, t.typname, a.attnum, a.attlen, a.atttypmod, a.attnotnull, c.relhasrules, c.relkind, c.oid, pg_get_expr(d.adbin, d.adrelid), case t.typtype when 'd' then t.typbasetype else 0 end, t.typtypmod, 0, attidentity, c.relhassubclass from (((pg_catalog.pg_class c inner join pg_catalog.pg_namespace n on n.oid = c.relnamespace and c.oid = 2606) inner join pg_catalog.pg_attribute a on (not a.attisdropped) and a.attnum > 0 and a.attrelid = c.oid) inner join pg_catalog.pg_type t on t.oid = a.atttypid) left outer join pg_attrdef d on a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum order by n.nspname, c.relname, attnum;

-- name: psqlodbc-14
-- expect-columns: nspname, relname, attname, atttypid, typname, attnum, attlen, atttypmod, attnotnull, relhasrules, relkind, oid, pg_get_expr, case, typtypmod, ?column?, attidentity, relhassubclass
-- expect-rows: 9
select n.nspname, c.relname, a.attname, a.atttypid, t.typname, a.attnum, a.attlen, a.atttypmod, a.attnotnull, c.relhasrules, c.relkind, c.oid, pg_get_expr(d.adbin, d.adrelid), case t.typtype when 'd' then t.typbasetype else 0 end, t.typtypmod, 0, attidentity, c.relhassubclass from (((pg_catalog.pg_class c inner join pg_catalog.pg_namespace n on n.oid = c.relnamespace and c.relname = 'Deals' and n.nspname = 'public') inner join pg_catalog.pg_attribute a on (not a.attisdropped) and a.attnum > 0 and a.attrelid = c.oid) inner join pg_catalog.pg_type t on t.oid = a.atttypid) left outer join pg_attrdef d on a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum order by n.nspname, c.relname, attnum;

-- name: psqlodbc-15
-- expect-columns: relname, indkey, indisunique, indisclustered, amname, relhasrules, nspname, oid, ?column?, indoption
-- expect-rows: 1
select c.relname, i.indkey, i.indisunique, i.indisclustered, a.amname, c.relhasrules, n.nspname, c.oid, 0, i.indoption from pg_catalog.pg_index i, pg_catalog.pg_class c, pg_catalog.pg_class d, pg_catalog.pg_am a, pg_catalog.pg_namespace n where d.relname = 'Deals' and n.nspname = 'public' and n.oid = d.relnamespace and d.oid = i.indrelid and i.indexrelid = c.oid and c.relam = a.oid order by i.indisprimary desc, i.indisunique, n.nspname, c.relname;

-- name: psqlodbc-16
BEGIN;

-- name: psqlodbc-17
SAVEPOINT _EXEC_SVP_0x5634dfef8830;

-- name: psqlodbc-18
-- expect-columns: nspname, relname, attname, atttypid, typname, attnum, attlen, atttypmod, attnotnull, relhasrules, relkind, oid, pg_get_expr, case, typtypmod, ?column?, attidentity, relhassubclass
-- expect-rows: 9
select n.nspname, c.relname, a.attname, a.atttypid, t.typname, a.attnum, a.attlen, a.atttypmod, a.attnotnull, c.relhasrules, c.relkind, c.oid, pg_get_expr(d.adbin, d.adrelid), case t.typtype when 'd' then t.typbasetype else 0 end, t.typtypmod, 0, attidentity, c.relhassubclass from (((pg_catalog.pg_class c inner join pg_catalog.pg_namespace n on n.oid = c.relnamespace and c.oid = {oid:Deals}) inner join pg_catalog.pg_attribute a on (not a.attisdropped) and a.attnum > 0 and a.attrelid = c.oid) inner join pg_catalog.pg_type t on t.oid = a.atttypid) left outer join pg_attrdef d on a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum order by n.nspname, c.relname, attnum;

-- name: psqlodbc-19
COMMIT;

-- name: psqlodbc-20
-- PostgreSQL fails (the statement was already gone); the server accepts DEALLOCATE of anything
DEALLOCATE "_PLAN0x5634dfefaa50";

-- name: psqlodbc-21
-- a user query: the backend names count(*) its own way
select count(*) from "Deals";
