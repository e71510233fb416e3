-- tool: Grafana 10/11 (grafana-postgresql-datasource, Go lib/pq or pgx driver)

-- name: grafana-connect
-- step: connect
-- source: Grafana's data source health check (pkg/tsdb/grafana-postgresql-datasource, "Save & test") (reconstructed)
-- expect-contains: 1
SELECT 1;

-- name: grafana-tables
-- step: tables
-- source: public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts, getTablesQuery / buildSchemaConstraint (reconstructed; string_to_array as a table function)
-- expect-contains: "Deals"
select quote_ident(table_name) as "table" from information_schema.tables where quote_ident(table_schema) not in ('information_schema', 'pg_catalog', '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_internal', '_timescaledb_config', 'timescaledb_information', 'timescaledb_experimental') and table_type = 'BASE TABLE' and quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          );

-- name: grafana-columns
-- step: columns
-- source: public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts, getColumnsQuery (reconstructed)
-- expect-contains: "AddTime"
-- expect-contains: timestamp with time zone
select quote_ident(column_name) as "column", data_type as "type" from information_schema.columns where quote_ident(table_name) = '"Deals"';

-- name: grafana-preview
-- step: preview
-- source: Grafana's table panel with the query builder: columns picked, limit 1000 (reconstructed)
-- compare: SELECT "Id", "Title", "Status" FROM Deals LIMIT 1000
SELECT "Id", "Title", "Status" FROM "Deals" LIMIT 1000;

-- name: grafana-report
-- step: report
-- source: a time-series panel after macro expansion ($__timeGroupAlias("AddTime", 1d), $__timeFilter("AddTime")) as pkg/tsdb/grafana-postgresql-datasource/macros.go expands them (reconstructed)
-- compare: SELECT CAST(FLOOR(EPOCH("AddTime") / 86400) * 86400 AS BIGINT), COUNT(*) FROM Deals WHERE "AddTime" BETWEEN TIMESTAMPTZ '2023-01-01T00:00:00Z' AND TIMESTAMPTZ '2024-12-31T23:59:59Z' GROUP BY 1
SELECT
  floor(extract(epoch from "AddTime")/86400)*86400 AS "time",
  count(*) AS "deals"
FROM "Deals"
WHERE "AddTime" BETWEEN '2023-01-01T00:00:00Z' AND '2024-12-31T23:59:59Z'
GROUP BY 1
ORDER BY 1;
