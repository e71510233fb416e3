-- tool: Npgsql 4.x (older Power BI Desktop and Excel builds, and gateways that still bundle Npgsql 4.0/4.1)

-- name: npgsql4-connect-version
-- step: connect
-- source: npgsql/npgsql v4.1.x src/Npgsql/PostgresDatabaseInfo.cs, LoadBackendTypes (reconstructed: the 4.x batch starts with the version)
-- expect-contains: PostgreSQL 15
SELECT version();

-- name: npgsql4-connect-types
-- step: connect
-- source: npgsql/npgsql v4.1.x src/Npgsql/PostgresDatabaseInfo.cs, GenerateTypesQuery(withRange: true, withEnum: true, withEnumSortOrder: true, loadTableComposites: false) (reconstructed)
-- expect-contains: _int4
SELECT ns.nspname, a.typname, a.oid, a.typrelid, a.typbasetype,
CASE WHEN pg_proc.proname='array_recv' THEN 'a' ELSE a.typtype END AS type,
CASE
  WHEN pg_proc.proname='array_recv' THEN a.typelem
  WHEN a.typtype='r' THEN rngsubtype
  ELSE 0
END AS elemoid,
CASE
  WHEN pg_proc.proname IN ('array_recv','oidvectorrecv') THEN 3    /* Arrays last */
  WHEN a.typtype='r' THEN 2                                        /* Ranges before */
  WHEN a.typtype='d' THEN 1                                        /* Domains before */
  ELSE 0                                                           /* Base types first */
END AS ord
FROM pg_type AS a
JOIN pg_namespace AS ns ON (ns.oid = a.typnamespace)
JOIN pg_proc ON pg_proc.oid = a.typreceive
LEFT OUTER JOIN pg_class AS cls ON (cls.oid = a.typrelid)
LEFT OUTER JOIN pg_type AS b ON (b.oid = a.typelem)
LEFT OUTER JOIN pg_class AS elemcls ON (elemcls.oid = b.typrelid)
LEFT OUTER JOIN pg_range ON (pg_range.rngtypid = a.oid)
WHERE
  a.typtype IN ('b', 'r', 'e', 'd') OR         /* Base, range, enum, domain */
  (a.typtype = 'c' AND cls.relkind='c') OR /* User-defined free-standing composites (not table composites) by default */
  (pg_proc.proname='array_recv' AND (
    b.typtype IN ('b', 'r', 'e', 'd') OR       /* Array of base, range, enum, domain */
    (b.typtype = 'p' AND b.typname IN ('record', 'void')) OR /* Arrays of special supported pseudo-types */
    (b.typtype = 'c' AND elemcls.relkind='c')  /* Array of user-defined free-standing composites (not table composites) */
  )) OR
  (a.typtype = 'p' AND a.typname IN ('record', 'void'))  /* Some special supported pseudo-types */
ORDER BY ord;

-- name: npgsql4-connect-composites
-- step: connect
-- source: npgsql/npgsql v4.1.x src/Npgsql/PostgresDatabaseInfo.cs, composite fields (reconstructed)
-- expect-rows: 0
/*** Load field definitions for (free-standing) composite types ***/
SELECT typ.oid, att.attname, att.atttypid
FROM pg_type AS typ
JOIN pg_namespace AS ns ON (ns.oid = typ.typnamespace)
JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
JOIN pg_attribute AS att ON (att.attrelid = typ.typrelid)
WHERE
  (typ.typtype = 'c' AND cls.relkind='c') AND
  attnum > 0 AND     /* Don't load system attributes */
  NOT attisdropped
ORDER BY typ.oid, att.attnum;

-- name: npgsql4-connect-enums
-- step: connect
-- source: npgsql/npgsql v4.1.x src/Npgsql/PostgresDatabaseInfo.cs, enum labels (reconstructed)
-- expect-rows: 0
/*** Load enum fields ***/
SELECT pg_type.oid, enumlabel
FROM pg_enum
JOIN pg_type ON pg_type.oid=enumtypid
ORDER BY oid, enumsortorder;

-- name: npgsql4-tables
-- step: tables
-- source: npgsql/npgsql v4.1.x src/Npgsql/NpgsqlSchema.cs GetTables (reconstructed; Excel's navigator lists tables through GetSchema("Tables"))
-- expect-contains: Deals
SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables WHERE table_type IN ('BASE TABLE', 'VIEW') AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY table_type, table_schema, table_name;

-- name: npgsql4-columns
-- step: columns
-- source: npgsql/npgsql v4.1.x src/Npgsql/NpgsqlSchema.cs GetColumns (reconstructed)
-- params: ["Deals"]
-- expect-contains: AddTime
-- expect-contains: double precision
SELECT table_catalog, table_schema, table_name, column_name, ordinal_position, column_default, is_nullable, udt_name::regtype AS data_type, character_maximum_length, numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, character_set_catalog, character_set_schema, character_set_name, collation_catalog FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position;

-- name: npgsql4-keys
-- step: columns
-- source: npgsql/npgsql v4.1.x src/Npgsql/NpgsqlSchema.cs GetConstraints (reconstructed)
-- expect-contains: PRIMARY KEY
-- expect-contains: FOREIGN KEY
SELECT current_database() AS "CONSTRAINT_CATALOG", pgn.nspname AS "CONSTRAINT_SCHEMA", pgc.conname AS "CONSTRAINT_NAME", current_database() AS "TABLE_CATALOG", pgtn.nspname AS "TABLE_SCHEMA", pgt.relname AS "TABLE_NAME", CASE pgc.contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE KEY' WHEN 'f' THEN 'FOREIGN KEY' END AS "CONSTRAINT_TYPE", pgc.condeferrable AS "IS_DEFERRABLE", pgc.condeferred AS "INITIALLY_DEFERRED"
FROM pg_catalog.pg_constraint pgc
INNER JOIN pg_catalog.pg_namespace pgn ON pgc.connamespace = pgn.oid
INNER JOIN pg_catalog.pg_class pgt ON pgc.conrelid = pgt.oid
INNER JOIN pg_catalog.pg_namespace pgtn ON pgt.relnamespace = pgtn.oid
WHERE pgt.relname = 'Deals' AND pgc.contype IN ('p', 'f')
ORDER BY "CONSTRAINT_NAME";

-- name: npgsql4-preview
-- step: preview
-- source: Excel preview of a navigated table (reconstructed)
-- compare: SELECT "Id", "Title", "Status", "Value", "CloseTime" FROM Deals LIMIT 1000
select "_"."Id", "_"."Title", "_"."Status", "_"."Value", "_"."CloseTime" from "public"."Deals" "_" limit 1000;

-- name: npgsql4-report
-- step: report
-- source: Excel pivot folded into one query (reconstructed)
-- compare: SELECT "Status", COUNT(*) FROM Deals GROUP BY "Status"
select "rows"."Status" as "Status", count(1) as "Count" from (select "_"."Status" from "public"."Deals" "_") "rows" group by "Status";
