-- tool: psql 15 (Debian postgresql-client): \dt, \d Deals, then the user's own queries

-- name: psql-13
-- step: tables
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all) (\dt)
-- expect-contains: Deals
-- same-as: corpus/psql.sql psql-13

-- name: psql-01
-- step: tables
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all) (\d Deals: find the relation)
-- expect-contains: Deals
-- same-as: corpus/psql.sql psql-01

-- name: psql-03
-- step: columns
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all) (\d Deals: columns)
-- expect-contains: timestamp with time zone
-- same-as: corpus/psql.sql psql-03

-- name: psql-04
-- step: columns
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all) (\d Deals: indexes)
-- expect-contains: PRIMARY KEY
-- same-as: corpus/psql.sql psql-04

-- name: psql-05
-- step: columns
-- source: captured from psql 15 against PostgreSQL 15 (log_statement=all) (\d Deals: foreign keys)
-- expect-contains: FOREIGN KEY
-- same-as: corpus/psql.sql psql-05

-- name: psql-connect
-- step: connect
-- source: psql 15 sends nothing on connect; a user's first statement (typed by the user; psql sends the text unchanged, so it is not a tool's own statement)
-- expect-contains: PostgreSQL
select version();

-- name: psql-preview
-- step: preview
-- source: what a psql user types: unquoted, lower-case names (typed by the user; psql sends the text unchanged, so it is not a tool's own statement)
-- compare: SELECT * FROM Deals LIMIT 1000
select * from deals limit 1000;

-- name: psql-report
-- step: report
-- source: what a psql user types (typed by the user; psql sends the text unchanged, so it is not a tool's own statement)
-- compare: SELECT "Status", COUNT(*), SUM("Value") FROM Deals WHERE "AddTime" >= TIMESTAMP '2023-01-01 00:00:00' GROUP BY "Status"
select status, count(*), sum(value) from deals where addtime >= timestamp '2023-01-01 00:00:00' group by status;
