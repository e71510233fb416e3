-- tool: Apache Superset (SQLAlchemy's postgresql dialect over psycopg: its metadata statements are SQLAlchemy's)
-- Every connect/tables/columns statement below was captured from the real library (SQLAlchemy 2.1.9 with
-- psycopg 3.3.9, installed here) by driving create_engine() and inspect() against `pipedrive-sql serve` and
-- recording what psycopg was asked to send; psycopg's %(name)s placeholders are numbered $n in order of first
-- appearance (psycopg sends a repeated name once), with the values SQLAlchemy bound.

-- name: superset-connect-version
-- step: connect
-- source: captured from SQLAlchemy 2.1.9 (sqlalchemy/dialects/postgresql/base.py and psycopg.py, PGDialect) driven for real over postgresql+psycopg (psycopg 3.3.9): PGDialect._get_server_version_info on first connect
-- expect-contains: PostgreSQL
-- same-as: corpus/surface.sql surface-version

-- name: superset-connect-schema
-- step: connect
-- source: captured from SQLAlchemy 2.1.9 (sqlalchemy/dialects/postgresql/base.py and psycopg.py, PGDialect) driven for real over postgresql+psycopg (psycopg 3.3.9): PGDialect._get_default_schema_name
-- expect-contains: public
-- same-as: corpus/psqlodbc.sql psqlodbc-04

-- name: superset-connect-isolation
-- step: connect
-- source: captured from SQLAlchemy 2.1.9 (sqlalchemy/dialects/postgresql/base.py and psycopg.py, PGDialect) driven for real over postgresql+psycopg (psycopg 3.3.9): PGDialect.get_isolation_level
-- expect-contains: read committed
show transaction isolation level;

-- name: superset-connect-strings
-- step: connect
-- source: captured from SQLAlchemy 2.1.9 (sqlalchemy/dialects/postgresql/base.py and psycopg.py, PGDialect) driven for real over postgresql+psycopg (psycopg 3.3.9): PGDialect.initialize, standard_conforming_strings
-- expect-contains: on
show standard_conforming_strings;

-- name: superset-connect-hstore
-- step: connect
-- source: captured from SQLAlchemy 2.1.9 over postgresql+psycopg (psycopg 3.3.9): PGDialect_psycopg.initialize asks psycopg's TypeInfo.fetch(conn, "hstore")
-- params: ["hstore"]
-- expect-rows: 0
-- same-as: tools/psycopg.sql psycopg-connect-typeinfo

-- name: superset-tables
-- step: tables
-- source: captured from SQLAlchemy 2.1.9 (sqlalchemy/dialects/postgresql/base.py and psycopg.py, PGDialect) driven for real: Inspector.get_table_names(schema='public') over postgresql+psycopg, statement and parameters as psycopg received them (pyformat placeholders numbered $n)
-- params: ["r", "p", "t", "public"]
-- expect-contains: Deals
SELECT pg_catalog.pg_class.relname 
FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace 
WHERE pg_catalog.pg_class.relkind = ANY (ARRAY[$1::VARCHAR, $2::VARCHAR]) AND pg_catalog.pg_class.relpersistence != $3::VARCHAR AND pg_catalog.pg_namespace.nspname = $4::VARCHAR;

-- name: superset-columns
-- step: columns
-- expect-contains: Title
-- expect-contains: numeric(18,4)
-- source: captured from SQLAlchemy 2.1.9 (sqlalchemy/dialects/postgresql/base.py and psycopg.py, PGDialect) driven for real: Inspector.get_columns('Deals', schema='public') over postgresql+psycopg, statement and parameters as psycopg received them (pyformat placeholders numbered $n)
-- params: ["", "always", "a", "start", "increment", "minvalue", "maxvalue", "cache", "cycle", "", 0, "name", "schema", 0, "r", "p", "f", "v", "m", "public", "Deals"]
SELECT pg_catalog.pg_attribute.attname AS name, pg_catalog.format_type(pg_catalog.pg_attribute.atttypid, pg_catalog.pg_attribute.atttypmod) AS format_type, CASE WHEN pg_catalog.pg_attribute.atthasdef THEN (SELECT pg_catalog.pg_get_expr(pg_catalog.pg_attrdef.adbin, pg_catalog.pg_attrdef.adrelid) AS pg_get_expr_1 
FROM pg_catalog.pg_attrdef 
WHERE pg_catalog.pg_attribute.atthasdef AND pg_catalog.pg_attrdef.adrelid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_attrdef.adnum = pg_catalog.pg_attribute.attnum) ELSE NULL END AS "default", pg_catalog.pg_attribute.attnotnull AS not_null, pg_catalog.pg_class.relname AS table_name, pg_catalog.pg_description.description AS comment, pg_catalog.pg_attribute.attgenerated AS generated, CASE WHEN (pg_catalog.pg_attribute.attidentity != $1::VARCHAR) THEN (SELECT json_build_object($2::VARCHAR, pg_catalog.pg_attribute.attidentity = $3::VARCHAR, $4::VARCHAR, pg_catalog.pg_sequence.seqstart, $5::VARCHAR, pg_catalog.pg_sequence.seqincrement, $6::VARCHAR, pg_catalog.pg_sequence.seqmin, $7::VARCHAR, pg_catalog.pg_sequence.seqmax, $8::VARCHAR, pg_catalog.pg_sequence.seqcache, $9::VARCHAR, pg_catalog.pg_sequence.seqcycle) AS json_build_object_1 
FROM pg_catalog.pg_sequence 
WHERE pg_catalog.pg_attribute.attidentity != $10::VARCHAR AND pg_catalog.pg_sequence.seqrelid = CAST(CAST(pg_catalog.pg_get_serial_sequence(CAST(CAST(pg_catalog.pg_attribute.attrelid AS REGCLASS) AS TEXT), pg_catalog.pg_attribute.attname) AS REGCLASS) AS OID)) ELSE NULL END AS identity_options, CASE WHEN (pg_catalog.pg_attribute.attcollation != $11::INTEGER AND (SELECT pg_catalog.pg_type.typcollation 
FROM pg_catalog.pg_type 
WHERE pg_catalog.pg_type.oid = pg_catalog.pg_attribute.atttypid) != pg_catalog.pg_attribute.attcollation) THEN (SELECT json_build_object($12::VARCHAR, pg_catalog.pg_collation.collname, $13::VARCHAR, CASE WHEN pg_catalog.pg_collation_is_visible(pg_catalog.pg_collation.oid) THEN NULL ELSE pg_catalog.pg_namespace.nspname END) AS json_build_object_9 
FROM pg_catalog.pg_collation JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_collation.collnamespace 
WHERE pg_catalog.pg_collation.oid = pg_catalog.pg_attribute.attcollation) ELSE NULL END AS collation 
FROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_attribute ON pg_catalog.pg_class.oid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_attribute.attnum > $14::SMALLINT AND NOT pg_catalog.pg_attribute.attisdropped LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_description.objsubid = pg_catalog.pg_attribute.attnum JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace 
WHERE pg_catalog.pg_class.relkind = ANY (ARRAY[$15::VARCHAR, $16::VARCHAR, $17::VARCHAR, $18::VARCHAR, $19::VARCHAR]) AND pg_catalog.pg_namespace.nspname = $20::VARCHAR AND pg_catalog.pg_class.relname IN ($21::VARCHAR) ORDER BY pg_catalog.pg_class.relname, pg_catalog.pg_attribute.attnum;

-- name: superset-pk-1
-- step: columns
-- source: captured from SQLAlchemy 2.1.9 (sqlalchemy/dialects/postgresql/base.py and psycopg.py, PGDialect) driven for real: Inspector.get_pk_constraint('Deals', schema='public') over postgresql+psycopg, statement and parameters as psycopg received them (pyformat placeholders numbered $n)
-- params: ["r", "p", "f", "v", "m", "public", "Deals"]
SELECT pg_catalog.pg_class.oid, pg_catalog.pg_class.relname 
FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace 
WHERE pg_catalog.pg_class.relkind = ANY (ARRAY[$1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR]) AND pg_catalog.pg_namespace.nspname = $6::VARCHAR AND pg_catalog.pg_class.relname IN ($7::VARCHAR);

-- name: superset-pk-2
-- step: columns
-- expect-contains: Deals_pkey
-- source: captured from SQLAlchemy 2.1.9 (sqlalchemy/dialects/postgresql/base.py and psycopg.py, PGDialect) driven for real: Inspector.get_pk_constraint('Deals', schema='public') over postgresql+psycopg, statement and parameters as psycopg received them (pyformat placeholders numbered $n)
-- params: [1, "pg_catalog.pg_constraint", "p", "{oid:Deals}"]
SELECT attr.conrelid, array_agg(CAST(attr.attname AS TEXT) ORDER BY attr.ord) AS cols, attr.conname, min(attr.description) AS description, min(attr.indnkeyatts) AS indnkeyatts, bool_and(attr.indnullsnotdistinct) AS indnullsnotdistinct 
FROM (SELECT con.conrelid AS conrelid, con.conname AS conname, con.description AS description, con.ord AS ord, con.indnkeyatts AS indnkeyatts, con.indnullsnotdistinct AS indnullsnotdistinct, pg_catalog.pg_attribute.attname AS attname 
FROM pg_catalog.pg_attribute JOIN (SELECT pg_catalog.pg_constraint.conrelid AS conrelid, pg_catalog.pg_constraint.conname AS conname, unnest(pg_catalog.pg_index.indkey) AS attnum, generate_subscripts(pg_catalog.pg_index.indkey, $1::INTEGER) AS ord, pg_catalog.pg_index.indnkeyatts AS indnkeyatts, pg_catalog.pg_index.indnullsnotdistinct AS indnullsnotdistinct, pg_catalog.pg_description.description AS description 
FROM pg_catalog.pg_constraint JOIN pg_catalog.pg_index ON pg_catalog.pg_constraint.conindid = pg_catalog.pg_index.indexrelid LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_constraint.oid AND pg_catalog.pg_description.classoid = CAST($2 AS REGCLASS) 
WHERE pg_catalog.pg_constraint.contype = $3::VARCHAR AND pg_catalog.pg_constraint.conrelid IN ($4)) AS con ON pg_catalog.pg_attribute.attnum = con.attnum AND pg_catalog.pg_attribute.attrelid = con.conrelid 
WHERE con.conrelid IN ($4)) AS attr GROUP BY attr.conrelid, attr.conname ORDER BY attr.conrelid, attr.conname;

-- name: superset-fks
-- step: columns
-- expect-contains: FOREIGN KEY
-- source: captured from SQLAlchemy 2.1.9 (sqlalchemy/dialects/postgresql/base.py and psycopg.py, PGDialect) driven for real: Inspector.get_foreign_keys('Deals', schema='public') over postgresql+psycopg, statement and parameters as psycopg received them (pyformat placeholders numbered $n)
-- params: [true, "f", "pg_catalog.pg_constraint", "r", "p", "f", "v", "m", "public", "Deals"]
SELECT pg_catalog.pg_class.relname, pg_catalog.pg_constraint.conname, CASE WHEN (pg_catalog.pg_constraint.oid IS NOT NULL) THEN pg_catalog.pg_get_constraintdef(pg_catalog.pg_constraint.oid, $1) END AS anon_1, nsp_ref.nspname, pg_catalog.pg_description.description 
FROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_constraint ON pg_catalog.pg_class.oid = pg_catalog.pg_constraint.conrelid AND pg_catalog.pg_constraint.contype = $2::VARCHAR LEFT OUTER JOIN pg_catalog.pg_class AS cls_ref ON cls_ref.oid = pg_catalog.pg_constraint.confrelid LEFT OUTER JOIN pg_catalog.pg_namespace AS nsp_ref ON cls_ref.relnamespace = nsp_ref.oid LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_constraint.oid AND pg_catalog.pg_description.classoid = CAST($3 AS REGCLASS) JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace 
WHERE pg_catalog.pg_class.relkind = ANY (ARRAY[$4::VARCHAR, $5::VARCHAR, $6::VARCHAR, $7::VARCHAR, $8::VARCHAR]) AND pg_catalog.pg_namespace.nspname = $9::VARCHAR AND pg_catalog.pg_class.relname IN ($10::VARCHAR) ORDER BY pg_catalog.pg_class.relname, pg_catalog.pg_constraint.conname;


-- name: superset-preview
-- step: preview
-- source: apache/superset superset/db_engine_specs/base.py (commit 796a2a69241e7e7dda7b09f31ed2de5ca5ecef15) BaseEngineSpec.select_star(show_cols=True, limit=1000): select(fields).select_from(text(quote_table(...))).limit(limit) compiled with literal_binds by SQLAlchemy 2.1.9's postgresql dialect here (rendered by the real library; Superset's optional re-indent changes only whitespace and is not applied)
-- compare: SELECT "Id", "Title", "Value", "Status" FROM Deals LIMIT 1000
SELECT "Id", "Title", "Value", "Status" 
FROM public."Deals" 
 LIMIT 1000;

-- name: superset-report
-- step: report
-- source: a Superset chart ("SUM(Value) by Currency, Status = lost") in the shape superset/models/helpers.py get_sqla_query gives it (metric label "SUM(Value)", row limit 10000) (reconstructed: not captured from a running Superset)
-- compare: SELECT "Currency", SUM("Value") FROM Deals WHERE "Status" = 'lost' GROUP BY "Currency" ORDER BY SUM("Value") DESC LIMIT 10000
SELECT "Currency" AS "Currency", sum("Value") AS "SUM(Value)"
FROM public."Deals"
WHERE "Status" = 'lost' GROUP BY "Currency" ORDER BY "SUM(Value)" DESC
LIMIT 10000;
