-- tool: DBeaver 24 (PostgreSQL plugin over pgjdbc)
-- Statements as DBeaver's Java code concatenates them (server version >= 10, sequences supported, no object filters,
-- templates and unavailable databases hidden); `?` placeholders are pgjdbc's, numbered $n as pgjdbc sends them,
-- with the values DBeaver binds (setLong for oids: sent as int8).

-- name: dbeaver-connect-database
-- step: connect
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/PostgreDataSource.java (commit 2428359b748778a5a345432906ab3da69289c20c), initializeRemoteInstance bootstrap (verbatim)
-- expect-contains: sandbox
SELECT current_database();

-- name: dbeaver-connect-databases
-- step: connect
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/PostgreDataSource.java (commit 2428359b748778a5a345432906ab3da69289c20c), database list: datallowconn, NOT datistemplate, OR the connection's database (verbatim, rendered)
-- params: ["sandbox"]
-- expect-contains: sandbox
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE 1 = 1 AND datallowconn AND NOT datistemplate OR db.datname =$1
ORDER BY db.datname;

-- name: dbeaver-connect-version
-- step: connect
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/PostgreDataSource.java (commit 2428359b748778a5a345432906ab3da69289c20c), server version (verbatim)
-- expect-contains: PostgreSQL
-- same-as: corpus/constructs.sql constructs-02

-- name: dbeaver-connect-session
-- step: connect
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/PostgreExecutionContext.java (commit 2428359b748778a5a345432906ab3da69289c20c), refreshDefaults (verbatim)
-- expect-contains: public
SELECT current_schema(),session_user;

-- name: dbeaver-connect-search-path
-- step: connect
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/PostgreExecutionContext.java (commit 2428359b748778a5a345432906ab3da69289c20c), refreshDefaults (verbatim)
-- expect-contains: public
SHOW search_path;

-- name: dbeaver-schemas
-- step: tables
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/PostgreDatabase.java (commit 2428359b748778a5a345432906ab3da69289c20c), SchemaCache.prepareLookupStatement without filters (verbatim, rendered)
-- expect-contains: public
SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass
 ORDER BY nspname;

-- name: dbeaver-tables
-- step: tables
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/PostgreSchema.java (commit 2428359b748778a5a345432906ab3da69289c20c), TableCache.prepareLookupStatement for all tables of schema public (oid 2200) (verbatim, rendered)
-- params: [2200]
-- expect-contains: Deals
SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key 
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass
WHERE c.relnamespace=$1 AND c.relkind not in ('i','I','c');

-- name: dbeaver-columns
-- step: columns
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/PostgreSchema.java (commit 2428359b748778a5a345432906ab3da69289c20c), TableCache.prepareChildrenStatement for table Deals (its oid) (verbatim, rendered)
-- params: ["{oid:Deals}"]
-- expect-contains: Title
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid=$1
ORDER BY a.attnum;

-- name: dbeaver-constraints
-- step: columns
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql/src/org/jkiss/dbeaver/ext/postgresql/model/PostgreSchema.java (commit 2428359b748778a5a345432906ab3da69289c20c), ConstraintCache.prepareObjectsStatement for table Deals (its oid) (verbatim, rendered)
-- params: ["{oid:Deals}"]
-- expect-contains: Deals_pkey
SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, case when c.contype='c' then "substring"(pg_get_constraintdef(c.oid), 7) else null end consrc_copy
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_constraint'::regclass
WHERE c.conrelid=$1
ORDER BY c.oid;

-- name: dbeaver-preview
-- step: preview
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.model.jdbc/src/org/jkiss/dbeaver/model/impl/jdbc/struct/JDBCTable.java (commit 2428359b748778a5a345432906ab3da69289c20c), readData rendered for the data editor: "SELECT " + alias.* + " FROM " + getFullyQualifiedName + " x" (the editor passes its data filter, so needAliasInSelect adds the alias x; PostgreDialect.supportsAliasInSelect is true); the 1,000-row limit goes through JDBC setMaxRows (resultset.maxrows.sql is false by default), so the text carries none and all rows are compared
-- compare: SELECT * FROM Deals
SELECT x.* FROM public."Deals" x;

-- name: dbeaver-report
-- step: report
-- source: dbeaver/dbeaver plugins/org.jkiss.dbeaver.model.jdbc/src/org/jkiss/dbeaver/model/impl/jdbc/struct/JDBCTable.java (commit 2428359b748778a5a345432906ab3da69289c20c), readData with the text "Status" IN ('open', 'won') typed in the data editor's filter box: StandardSQLDialectQueryGenerator.appendQueryConditions appends "\nWHERE " and the filter's text as typed (rendered)
-- compare: SELECT * FROM Deals WHERE "Status" IN ('open', 'won')
SELECT x.* FROM public."Deals" x
WHERE "Status" IN ('open', 'won');
