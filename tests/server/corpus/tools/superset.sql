-- tool: Apache Superset (SQLAlchemy's postgresql dialect over psycopg; the same statements as any SQLAlchemy inspector)

-- name: superset-connect-version
-- step: connect
-- source: sqlalchemy/dialects/postgresql/base.py PGDialect._get_server_version_info (verbatim statement)
-- expect-contains: PostgreSQL
select pg_catalog.version();

-- name: superset-connect-schema
-- step: connect
-- source: sqlalchemy/dialects/postgresql/base.py PGDialect._get_default_schema_name (verbatim statement)
-- expect-contains: public
select current_schema();

-- name: superset-connect-isolation
-- step: connect
-- source: sqlalchemy/dialects/postgresql/base.py PGDialect.get_isolation_level (verbatim statement)
-- expect-contains: read committed
show transaction isolation level;

-- name: superset-connect-strings
-- step: connect
-- source: sqlalchemy/dialects/postgresql/base.py PGDialect.initialize, standard_conforming_strings (verbatim statement)
-- expect-contains: on
show standard_conforming_strings;

-- name: superset-tables
-- step: tables
-- source: sqlalchemy/dialects/postgresql/base.py PGDialect.get_table_names via _get_relnames_for_relkinds (SQLAlchemy 2.x Core, rendered; reconstructed)
-- expect-contains: Deals
SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND pg_catalog.pg_class.relpersistence != 't' AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != 'pg_catalog';

-- name: superset-columns
-- step: columns
-- source: sqlalchemy/dialects/postgresql/base.py PGDialect._columns_query (SQLAlchemy 2.x Core, rendered; reconstructed)
-- expect-contains: Title
-- expect-contains: double precision
SELECT pg_catalog.pg_attribute.attname AS name, pg_catalog.format_type(pg_catalog.pg_attribute.atttypid, pg_catalog.pg_attribute.atttypmod) AS format_type, (SELECT pg_catalog.pg_get_expr(pg_catalog.pg_attrdef.adbin, pg_catalog.pg_attrdef.adrelid) AS pg_get_expr_1 FROM pg_catalog.pg_attrdef WHERE pg_catalog.pg_attrdef.adrelid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_attrdef.adnum = pg_catalog.pg_attribute.attnum AND pg_catalog.pg_attribute.atthasdef) AS "default", pg_catalog.pg_attribute.attnotnull AS not_null, pg_catalog.pg_class.relname AS table_name, pg_catalog.pg_description.description AS comment, pg_catalog.pg_attribute.attgenerated AS generated, (SELECT json_build_object('always', pg_catalog.pg_attribute.attidentity = 'a', 'start', pg_catalog.pg_sequence.seqstart, 'increment', pg_catalog.pg_sequence.seqincrement) AS json_build_object_1 FROM pg_catalog.pg_attribute AS pg_attribute_1 JOIN pg_catalog.pg_sequence ON pg_catalog.pg_sequence.seqrelid = 0 WHERE false) AS identity_options
FROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_attribute ON pg_catalog.pg_class.oid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_attribute.attnum > 0 AND NOT pg_catalog.pg_attribute.attisdropped LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_description.objsubid = pg_catalog.pg_attribute.attnum JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace
WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != 'pg_catalog' AND pg_catalog.pg_class.relname IN ('Deals') ORDER BY pg_catalog.pg_class.relname, pg_catalog.pg_attribute.attnum;

-- name: superset-keys
-- step: columns
-- source: sqlalchemy/dialects/postgresql/base.py PGDialect._foreing_key_query (SQLAlchemy 2.x Core, rendered; reconstructed)
-- expect-contains: FOREIGN KEY
SELECT pg_catalog.pg_class.relname, pg_catalog.pg_constraint.conname, CASE WHEN (pg_catalog.pg_constraint.oid IS NOT NULL) THEN pg_catalog.pg_get_constraintdef(pg_catalog.pg_constraint.oid, true) END AS anon_1, nsp_ref.nspname, pg_catalog.pg_description.description
FROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_constraint ON pg_catalog.pg_class.oid = pg_catalog.pg_constraint.conrelid AND pg_catalog.pg_constraint.contype = 'f' LEFT OUTER JOIN pg_catalog.pg_class AS cls_ref ON cls_ref.oid = pg_catalog.pg_constraint.confrelid LEFT OUTER JOIN pg_catalog.pg_namespace AS nsp_ref ON cls_ref.relnamespace = nsp_ref.oid LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_constraint.oid JOIN pg_catalog.pg_namespace ON pg_catalog.pg_class.relnamespace = pg_catalog.pg_namespace.oid
WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != 'pg_catalog' AND pg_catalog.pg_class.relname IN ('Deals') ORDER BY pg_catalog.pg_class.relname, pg_catalog.pg_constraint.conname;

-- name: superset-preview
-- step: preview
-- source: Superset SQL Lab's table preview: SELECT of the columns FROM schema.table LIMIT (SQLAlchemy-rendered; reconstructed)
-- compare: SELECT "Id", "Title", "Value", "Status" FROM Deals LIMIT 1000
SELECT "Id", "Title", "Value", "Status"
FROM public."Deals"
LIMIT 1000;

-- name: superset-report
-- step: report
-- source: a Superset chart ("SUM(Value) by Currency, Status = lost") as its SQLAlchemy query (reconstructed)
-- compare: SELECT "Currency", SUM("Value") FROM Deals WHERE "Status" = 'lost' GROUP BY "Currency" ORDER BY SUM("Value") DESC LIMIT 10000
SELECT "Currency" AS "Currency", sum("Value") AS "SUM(Value)"
FROM public."Deals"
WHERE "Status" = 'lost' GROUP BY "Currency" ORDER BY "SUM(Value)" DESC
LIMIT 10000;
