-- tool: DBeaver 23/24 (PostgreSQL plugin over pgjdbc)

-- name: dbeaver-connect-appname
-- step: connect
-- source: DBeaver sets ApplicationName on connect (reconstructed)
SET application_name = 'DBeaver 24.1.0 - Main <sandbox>';

-- name: dbeaver-connect-session
-- step: connect
-- source: plugins/org.jkiss.dbeaver.ext.postgresql/.../model/PostgreDataSource.java, initialize: active schema and user (reconstructed)
-- expect-contains: public
select current_schema(),session_user;

-- name: dbeaver-connect-databases
-- step: connect
-- source: plugins/org.jkiss.dbeaver.ext.postgresql/.../model/PostgreDataSource.java, database list (reconstructed)
-- params: ["sandbox"]
-- expect-contains: sandbox
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datallowconn AND NOT datistemplate OR db.datname =$1 ORDER BY db.datname;

-- name: dbeaver-connect-settings
-- step: connect
-- source: plugins/org.jkiss.dbeaver.ext.postgresql/.../model/PostgreServerExtension (reconstructed)
-- params: ["standard_conforming_strings"]
-- expect-contains: on
select setting from pg_catalog.pg_settings where name=$1;

-- name: dbeaver-schemas
-- step: tables
-- source: plugins/org.jkiss.dbeaver.ext.postgresql/.../model/PostgreDatabase.java, SchemaCache (reconstructed)
-- expect-contains: public
SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass
 ORDER BY nspname;

-- name: dbeaver-tables
-- step: tables
-- source: plugins/org.jkiss.dbeaver.ext.postgresql/.../model/PostgreSchema.java, TableCache (reconstructed)
-- params: ["2200"]
-- expect-contains: Deals
SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key 
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass
WHERE c.relnamespace=$1::oid AND c.relkind not in ('i','I','c');

-- name: dbeaver-columns
-- step: columns
-- source: plugins/org.jkiss.dbeaver.ext.postgresql/.../model/PostgreSchema.java, TableCache attributes (reconstructed)
-- expect-contains: Title
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.relname = 'Deals'
ORDER BY a.attnum;

-- name: dbeaver-constraints
-- step: columns
-- source: plugins/org.jkiss.dbeaver.ext.postgresql/.../model/PostgreSchema.java, ConstraintCache (reconstructed)
-- expect-contains: Deals_pkey
SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, case when c.contype='c' then "substring"(pg_get_constraintdef(c.oid), 7) else null end consrc_copy
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_constraint'::regclass
WHERE t.relnamespace=2200 AND t.relname = 'Deals'
ORDER BY c.oid;

-- name: dbeaver-preview
-- step: preview
-- source: DBeaver's data editor: SELECT * with the schema-qualified name, result set limit 1000 (reconstructed)
-- compare: SELECT * FROM Deals LIMIT 1000
SELECT * FROM public."Deals"
LIMIT 1000;

-- name: dbeaver-report
-- step: report
-- source: a user's query in DBeaver's SQL editor (reconstructed)
-- compare: SELECT "StageId", COUNT(*), AVG("Value") FROM Deals WHERE "Status" IN ('open', 'won') GROUP BY "StageId"
SELECT d."StageId", count(*), avg(d."Value") FROM public."Deals" d WHERE d."Status" IN ('open', 'won') GROUP BY d."StageId";
