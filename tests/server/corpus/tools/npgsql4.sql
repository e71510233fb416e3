-- tool: Npgsql 4.x (older Power BI Desktop and Excel builds, and gateways that still bundle Npgsql 4.0/4.1)
-- Npgsql 4.1 sends the type loader as one command of three statements; it splits them itself and sends each
-- over the extended protocol (Parse/Bind/Describe/Execute), which is how they are replayed here. The server
-- version comes from the ParameterStatus at startup, so 4.1 sends no version query.

-- name: npgsql4-connect-types
-- step: connect
-- source: npgsql/npgsql src/Npgsql/PostgresDatabaseInfo.cs at tag v4.1.15 (commit 7b3f43793aefd00b27d94a2a9e1a7226b3d22bc1), GenerateTypesQuery(withRange: true, withEnum: true, withEnumSortOrder: true, loadTableComposites: false), first statement (verbatim, the C# interpolations rendered as for PostgreSQL >= 9.2)
-- expect-contains: _int4
SELECT ns.nspname, typ_and_elem_type.*,
   CASE
       WHEN typtype IN ('b', 'e', 'p') THEN 0           -- First base types, enums, pseudo-types
       WHEN typtype = 'r' THEN 1                        -- Ranges after
       WHEN typtype = 'c' THEN 2                        -- Composites after
       WHEN typtype = 'd' AND elemtyptype <> 'a' THEN 3 -- Domains over non-arrays after
       WHEN typtype = 'a' THEN 4                        -- Arrays before
       WHEN typtype = 'd' AND elemtyptype = 'a' THEN 5  -- Domains over arrays last
    END AS ord
FROM (
    -- Arrays have typtype=b - this subquery identifies them by their typreceive and converts their typtype to a
    -- We first do this for the type (innerest-most subquery), and then for its element type
    -- This also returns the array element, range subtype and domain base type as elemtypoid
    SELECT
        typ.oid, typ.typnamespace, typ.typname, typ.typtype, typ.typrelid, typ.typnotnull, typ.relkind,
        elemtyp.oid AS elemtypoid, elemtyp.typname AS elemtypname, elemcls.relkind AS elemrelkind,
        CASE WHEN elemproc.proname='array_recv' THEN 'a' ELSE elemtyp.typtype END AS elemtyptype
    FROM (
        SELECT typ.oid, typnamespace, typname, typrelid, typnotnull, relkind, typelem AS elemoid,
            CASE WHEN proc.proname='array_recv' THEN 'a' ELSE typ.typtype END AS typtype,
            CASE
                WHEN proc.proname='array_recv' THEN typ.typelem
                WHEN typ.typtype='r' THEN rngsubtype
                WHEN typ.typtype='d' THEN typ.typbasetype
            END AS elemtypoid
        FROM pg_type AS typ
        LEFT JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
        LEFT JOIN pg_proc AS proc ON proc.oid = typ.typreceive
        LEFT JOIN pg_range ON (pg_range.rngtypid = typ.oid)
    ) AS typ
    LEFT JOIN pg_type AS elemtyp ON elemtyp.oid = elemtypoid
    LEFT JOIN pg_class AS elemcls ON (elemcls.oid = elemtyp.typrelid)
    LEFT JOIN pg_proc AS elemproc ON elemproc.oid = elemtyp.typreceive
) AS typ_and_elem_type
JOIN pg_namespace AS ns ON (ns.oid = typnamespace)
WHERE
    typtype IN ('b', 'r', 'e', 'd') OR -- Base, range, enum, domain
    (typtype = 'c' AND relkind='c') OR -- User-defined free-standing composites (not table composites) by default
    (typtype = 'p' AND typname IN ('record', 'void')) OR -- Some special supported pseudo-types
    (typtype = 'a' AND (  -- Array of...
        elemtyptype IN ('b', 'r', 'e', 'd') OR -- Array of base, range, enum, domain
        (elemtyptype = 'p' AND elemtypname IN ('record', 'void')) OR -- Arrays of special supported pseudo-types
        (elemtyptype = 'c' AND elemrelkind='c') -- Array of user-defined free-standing composites (not table composites) by default
    ))
ORDER BY ord;

-- name: npgsql4-connect-composites
-- step: connect
-- source: npgsql/npgsql src/Npgsql/PostgresDatabaseInfo.cs at tag v4.1.15 (commit 7b3f43793aefd00b27d94a2a9e1a7226b3d22bc1), GenerateTypesQuery, second statement (verbatim, rendered likewise)
-- expect-rows: 0
-- Load field definitions for (free-standing) composite types
SELECT typ.oid, att.attname, att.atttypid
FROM pg_type AS typ
JOIN pg_namespace AS ns ON (ns.oid = typ.typnamespace)
JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
JOIN pg_attribute AS att ON (att.attrelid = typ.typrelid)
WHERE
  (typ.typtype = 'c' AND cls.relkind='c') AND
  attnum > 0 AND     -- Don't load system attributes
  NOT attisdropped
ORDER BY typ.oid, att.attnum;

-- name: npgsql4-connect-enums
-- step: connect
-- source: npgsql/npgsql src/Npgsql/PostgresDatabaseInfo.cs at tag v4.1.15 (commit 7b3f43793aefd00b27d94a2a9e1a7226b3d22bc1), GenerateTypesQuery, third statement (verbatim, rendered with withEnumSortOrder)
-- expect-rows: 0
-- Load enum fields
SELECT pg_type.oid, enumlabel
FROM pg_enum
JOIN pg_type ON pg_type.oid=enumtypid
ORDER BY oid, enumsortorder;

-- name: npgsql4-tables
-- step: tables
-- source: npgsql/npgsql src/Npgsql/NpgsqlSchema.cs at tag v4.1.15 (commit 7b3f43793aefd00b27d94a2a9e1a7226b3d22bc1), GetTables with restrictions (null, "public") as Excel's navigator asks GetSchema("Tables") (verbatim, BuildCommand's " AND table_schema = :table_schema" rendered with Npgsql's positional $1)
-- params: ["public"]
-- expect-contains: Deals
SELECT table_catalog, table_schema, table_name, table_type
FROM information_schema.tables
WHERE table_type IN ('BASE TABLE', 'FOREIGN', 'FOREIGN TABLE') AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema = $1;

-- name: npgsql4-columns
-- step: columns
-- source: npgsql/npgsql src/Npgsql/NpgsqlSchema.cs at tag v4.1.15 (commit 7b3f43793aefd00b27d94a2a9e1a7226b3d22bc1), GetColumns with restrictions (null, "public", "Deals") (verbatim, BuildCommand's WHERE rendered with $1, $2)
-- params: ["public", "Deals"]
-- expect-contains: AddTime
-- expect-contains: float8
SELECT table_catalog, table_schema, table_name, column_name, ordinal_position, column_default, is_nullable, udt_name AS data_type, character_maximum_length, character_octet_length, numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, character_set_catalog, character_set_schema, character_set_name, collation_catalog FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2;

-- name: npgsql4-keys
-- step: columns
-- source: npgsql/npgsql src/Npgsql/NpgsqlSchema.cs at tag v4.1.15 (commit 7b3f43793aefd00b27d94a2a9e1a7226b3d22bc1), GetConstraints("Constraints") with restrictions (null, "public", "Deals") (verbatim, BuildCommand's conditions rendered with $1, $2)
-- params: ["public", "Deals"]
-- expect-contains: PRIMARY KEY
-- expect-contains: FOREIGN KEY
select
  current_database() as "CONSTRAINT_CATALOG",
  pgn.nspname as "CONSTRAINT_SCHEMA",
  pgc.conname as "CONSTRAINT_NAME",
  current_database() as "TABLE_CATALOG",
  pgtn.nspname as "TABLE_SCHEMA",
  pgt.relname as "TABLE_NAME",
  "CONSTRAINT_TYPE",
  pgc.condeferrable as "IS_DEFERRABLE",
  pgc.condeferred as "INITIALLY_DEFERRED"
from pg_catalog.pg_constraint pgc
inner join pg_catalog.pg_namespace pgn on pgc.connamespace = pgn.oid
inner join pg_catalog.pg_class pgt on pgc.conrelid = pgt.oid
inner join pg_catalog.pg_namespace pgtn on pgt.relnamespace = pgtn.oid
inner join (
select 'PRIMARY KEY' as "CONSTRAINT_TYPE", 'p' as "contype" union all
select 'FOREIGN KEY' as "CONSTRAINT_TYPE", 'f' as "contype" union all
select 'UNIQUE KEY' as "CONSTRAINT_TYPE", 'u' as "contype"
) mapping_table on mapping_table.contype = pgc.contype AND pgtn.nspname = $1 AND pgt.relname = $2;

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
