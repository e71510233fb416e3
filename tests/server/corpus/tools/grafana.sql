-- tool: Grafana 10/11 (grafana-postgresql-datasource, Go pgx driver)
-- The picker statements are postgresMetaQuery.ts's template strings rendered exactly as the TypeScript builds them
-- (whitespace included); the table picked is the quote_ident'ed name the table picker returned ('"Deals"').

-- name: grafana-connect-version
-- step: connect
-- source: grafana/grafana public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts (commit 12f912ab8d010f4d95a4043a0efaa20fc4ca0100), getVersion() (verbatim; the data source's configuration page sends it to detect the version)
-- expect-contains: 15
SELECT current_setting('server_version_num')::int/100 as version;

-- name: grafana-schemas
-- step: tables
-- source: grafana/grafana public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts (commit 12f912ab8d010f4d95a4043a0efaa20fc4ca0100), showSchemas() (verbatim)
-- expect-contains: public
SELECT schema_name AS "name"
    FROM information_schema.schemata
    WHERE schema_name NOT IN ('information_schema',
                              'pg_catalog',
                              'pg_toast',
                              '_timescaledb_cache',
                              '_timescaledb_catalog',
                              '_timescaledb_internal',
                              '_timescaledb_config',
                              'timescaledb_information',
                              'timescaledb_experimental')
    ORDER BY schema_name;

-- name: grafana-tables
-- step: tables
-- source: grafana/grafana public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts (commit 12f912ab8d010f4d95a4043a0efaa20fc4ca0100), showTables() without a schema (verbatim, buildSchemaConstraint() inlined as the template does)
-- expect-contains: "Deals"
SELECT
    CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema',
                             'pg_catalog',
                             '_timescaledb_cache',
                             '_timescaledb_catalog',
                             '_timescaledb_internal',
                             '_timescaledb_config',
                             'timescaledb_information',
                             'timescaledb_experimental')
    ORDER BY CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          ) THEN 0 ELSE 1 END, 1;

-- name: grafana-tables-public
-- step: tables
-- source: grafana/grafana public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts (commit 12f912ab8d010f4d95a4043a0efaa20fc4ca0100), showTables('public') (verbatim, schema 'public' filled as the template quotes it)
-- expect-contains: "Deals"
SELECT quote_ident(table_name) AS "table"
      FROM information_schema.tables
      WHERE quote_ident(table_schema) = 'public'
      ORDER BY 1;

-- name: grafana-columns
-- step: columns
-- source: grafana/grafana public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts (commit 12f912ab8d010f4d95a4043a0efaa20fc4ca0100), getSchema('"Deals"') (verbatim, table filled as the template quotes it)
-- expect-contains: "AddTime"
-- expect-contains: timestamp with time zone
SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('"Deals"'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('"Deals"'))[1]
          AND quote_ident(table_name) = (parse_ident('"Deals"'))[2]
        ELSE quote_ident(table_name) = '"Deals"'
          AND 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      END
;

-- name: grafana-preview
-- step: preview
-- source: grafana/grafana public/app/plugins/datasource/grafana-postgresql-datasource/sqlUtil.ts toRawSql (commit 1137a659434e2505dbdaa92c641d08041f2a7a93) with @grafana/sql createSelectClause: columns "Id", "Title", "Status" picked without a function, table "Deals", limit 1000 (rendered exactly as toRawSql concatenates, trailing space included)
-- compare: SELECT "Id", "Title", "Status" FROM Deals LIMIT 1000
SELECT "Id", "Title", "Status" FROM "Deals" LIMIT 1000 ;

-- name: grafana-report
-- step: report
-- source: grafana/grafana public/app/plugins/datasource/grafana-postgresql-datasource/sqlUtil.ts toRawSql (commit 1137a659434e2505dbdaa92c641d08041f2a7a93) with @grafana/sql createSelectClause: columns "Status" and COUNT("Id"), where "Value" > 1000, group by "Status", limit 50 (the builder's default) (rendered exactly as toRawSql concatenates)
-- compare: SELECT "Status", COUNT("Id") FROM Deals WHERE "Value" > 1000 GROUP BY "Status"
SELECT "Status", COUNT("Id") FROM "Deals" WHERE "Value" > 1000 GROUP BY "Status" LIMIT 50 ;
