-- tool: Npgsql 8.x (Power BI Desktop's PostgreSQL connector, Excel's Get Data > PostgreSQL, the on-premises data gateway)
-- Each statement goes over the extended protocol (Parse/Bind/Describe/Execute), as Npgsql sends the commands of a batch.

-- name: npgsql8-connect-version
-- step: connect
-- source: npgsql/npgsql src/Npgsql/PostgresDatabaseInfo.cs (commit 00ee7a8), LoadBackendTypes: versionQuery (verbatim)
-- expect-contains: PostgreSQL 15
-- same-as: corpus/constructs.sql constructs-02

-- name: npgsql8-connect-types
-- step: connect
-- source: npgsql/npgsql src/Npgsql/PostgresDatabaseInfo.cs (commit 00ee7a8), GenerateLoadTypesQuery(withRange: true, withMultirange: true, loadTableComposites: false) (verbatim, rendered)
-- expect-contains: _int8
SELECT ns.nspname, t.oid, t.typname, t.typtype, t.typnotnull, t.elemtypoid
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
                WHEN typ.typtype='m' THEN (SELECT rngtypid FROM pg_range WHERE rngmultitypid = typ.oid)
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
) AS t
JOIN pg_namespace AS ns ON (ns.oid = typnamespace)
WHERE
    typtype IN ('b', 'r', 'm', 'e', 'd') OR -- Base, range, multirange, enum, domain
    (typtype = 'c' AND relkind='c') OR -- User-defined free-standing composites (not table composites) by default
    (typtype = 'p' AND typname IN ('record', 'void')) OR -- Some special supported pseudo-types
    (typtype = 'a' AND (  -- Array of...
        elemtyptype IN ('b', 'r', 'm', 'e', 'd') OR -- Array of base, range, multirange, enum, domain
        (elemtyptype = 'p' AND elemtypname IN ('record', 'void')) OR -- Arrays of special supported pseudo-types
        (elemtyptype = 'c' AND elemrelkind='c') -- Array of user-defined free-standing composites (not table composites) by default
    ))
ORDER BY CASE
       WHEN typtype IN ('b', 'e', 'p') THEN 0           -- First base types, enums, pseudo-types
       WHEN typtype = 'r' THEN 1                        -- Ranges after
       WHEN typtype = 'm' THEN 2                        -- Multiranges after
       WHEN typtype = 'c' THEN 3                        -- Composites after
       WHEN typtype = 'd' AND elemtyptype <> 'a' THEN 4 -- Domains over non-arrays after
       WHEN typtype = 'a' THEN 5                        -- Arrays after
       WHEN typtype = 'd' AND elemtyptype = 'a' THEN 6  -- Domains over arrays last
END;

-- name: npgsql8-connect-composites
-- step: connect
-- source: npgsql/npgsql src/Npgsql/PostgresDatabaseInfo.cs (commit 00ee7a8), GenerateLoadCompositeTypesQuery(loadTableComposites: false) (verbatim, rendered; the same text as 4.1.15 sends)
-- expect-rows: 0
-- same-as: tools/npgsql4.sql npgsql4-connect-composites

-- name: npgsql8-connect-enums
-- step: connect
-- source: npgsql/npgsql src/Npgsql/PostgresDatabaseInfo.cs (commit 00ee7a8), GenerateLoadEnumFieldsQuery(withEnumSortOrder: true) (verbatim, rendered; the same text as 4.1.15 sends)
-- expect-rows: 0
-- same-as: tools/npgsql4.sql npgsql4-connect-enums

-- name: npgsql8-tables
-- step: tables
-- source: Power BI PostgreSQL connector navigation (closed source; statement as seen in PostgreSQL-compatible servers' issue threads) (reconstructed)
-- expect-contains: Deals
select TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE from INFORMATION_SCHEMA.tables where TABLE_SCHEMA not in ('information_schema', 'pg_catalog') order by TABLE_SCHEMA, TABLE_NAME;

-- name: npgsql8-columns
-- step: columns
-- source: Power BI PostgreSQL connector, column listing through information_schema (reconstructed)
-- expect-contains: Title
-- expect-contains: timestamp with time zone
select COLUMN_NAME, ORDINAL_POSITION, IS_NULLABLE, DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, CHARACTER_MAXIMUM_LENGTH from INFORMATION_SCHEMA.columns where TABLE_SCHEMA = 'public' and TABLE_NAME = 'Deals' order by ORDINAL_POSITION;

-- name: npgsql8-keys
-- step: columns
-- source: Power BI PostgreSQL connector, relationship detection through information_schema (reconstructed)
-- expect-contains: PersonId
-- expect-contains: Persons
select pkcol.TABLE_SCHEMA as PK_TABLE_SCHEMA, pkcol.TABLE_NAME as PK_TABLE_NAME, pkcol.COLUMN_NAME as PK_COLUMN_NAME, fkcol.TABLE_SCHEMA as FK_TABLE_SCHEMA, fkcol.TABLE_NAME as FK_TABLE_NAME, fkcol.COLUMN_NAME as FK_COLUMN_NAME, fkcol.ORDINAL_POSITION as ORDINAL, fkcon.CONSTRAINT_SCHEMA || '_' || fkcol.TABLE_NAME || '_' || fkcon.CONSTRAINT_NAME as FK_NAME
from (select distinct constraint_catalog, constraint_schema, unique_constraint_schema, constraint_name, unique_constraint_name from INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS) fkcon
inner join INFORMATION_SCHEMA.KEY_COLUMN_USAGE fkcol on fkcon.CONSTRAINT_SCHEMA = fkcol.CONSTRAINT_SCHEMA and fkcon.CONSTRAINT_NAME = fkcol.CONSTRAINT_NAME
inner join INFORMATION_SCHEMA.KEY_COLUMN_USAGE pkcol on fkcon.UNIQUE_CONSTRAINT_SCHEMA = pkcol.CONSTRAINT_SCHEMA and fkcon.UNIQUE_CONSTRAINT_NAME = pkcol.CONSTRAINT_NAME
where fkcol.ORDINAL_POSITION = pkcol.ORDINAL_POSITION and fkcol.TABLE_NAME = 'Deals'
order by FK_NAME, fkcol.ORDINAL_POSITION;

-- name: npgsql8-preview
-- step: preview
-- source: Power BI preview of a navigated table: the table wrapped as "$Table", limit 1000 (reconstructed)
-- compare: SELECT "Id", "Title", "Status", "Value", "Currency", "AddTime" FROM Deals LIMIT 1000
select "$Table"."Id" as "Id", "$Table"."Title" as "Title", "$Table"."Status" as "Status", "$Table"."Value" as "Value", "$Table"."Currency" as "Currency", "$Table"."AddTime" as "AddTime" from "public"."Deals" "$Table" limit 1000;

-- name: npgsql8-report
-- step: report
-- source: Power BI folded visual: filter, group and sum over nested sub-selects with generated aliases (reconstructed)
-- compare: SELECT "Currency", SUM("Value") FROM Deals WHERE "Status" = 'won' GROUP BY "Currency"
select "_"."Currency", "_"."a0" from (select "rows"."Currency" as "Currency", sum("rows"."Value") as "a0" from (select "_"."Id" as "Id", "_"."Value" as "Value", "_"."Currency" as "Currency", "_"."Status" as "Status" from "public"."Deals" "_" where "_"."Status" = 'won') "rows" group by "Currency") "_" where not "_"."a0" is null limit 1000001;
