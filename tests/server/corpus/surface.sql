-- The PostgreSQL surface BI tools and drivers call, one construct per entry (written for this server, not
-- captured): each must answer as PostgreSQL 15 does for the test backend's tables (Deals, Persons, BigTable).

-- name: surface-version
-- expect-columns: version
-- expect-contains: PostgreSQL 15
select pg_catalog.version();

-- name: surface-now
-- expect-columns: now, current_date, ?column?
-- expect-rows: 1
select now(), current_date, 1 + 1;

-- name: surface-to-reg
-- expect-columns: to_regtype, ?column?, ?column?, to_regtype
-- expect-contains: 23
select to_regtype('integer'), to_regclass('"Deals"') is not null, to_regclass('public."Deals"') = to_regclass('"Deals"'), to_regtype('pg_catalog.text[]');

-- name: surface-format
-- expect-columns: format, quote_ident, quote_literal
-- expect-contains: public."Deals"
-- expect-contains: 'it''s'
select format('%I.%I', 'public', 'Deals'), quote_ident('deals'), format('%L', 'it''s') as quote_literal;

-- name: surface-regclass-oid
-- expect-columns: format, name
-- expect-contains: "Deals"
-- expect-rows: 1
select format('%I.%I', 'public', 'Deals')::regclass::oid, 'public."Deals"'::regclass::text as name;

-- name: surface-regtype-name
-- expect-columns: regtype, format_type
-- expect-contains: integer
select 'int4'::regtype, pg_catalog.format_type('numeric'::regtype, 1310726);

-- name: surface-three-part
-- expect-columns: relname
-- expect-contains: Deals
select pg_catalog.pg_class.relname from pg_catalog.pg_class where pg_catalog.pg_class.relkind = 'r';

-- name: surface-reserved-alias
-- expect-columns: table, select, insert
-- expect-rows: 3
select c.relname as table, has_table_privilege(c.oid, 'SELECT') as select, has_table_privilege(c.oid, 'INSERT') as insert from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r';

-- name: surface-settings
-- expect-columns: current_setting, set_config, current_schema, current_database
-- expect-contains: public
select current_setting('search_path'), set_config('application_name', 'surface', false), current_schema(), current_database();

-- name: surface-descriptions
-- expect-columns: obj_description, col_description, shobj_description
-- expect-contains: Deals from the test backend
select obj_description('"Deals"'::regclass, 'pg_class'), col_description('"Deals"'::regclass, 1), shobj_description(16383, 'pg_database');

-- name: surface-constraintdef
-- expect-contains: FOREIGN KEY ("PersonId") REFERENCES "Persons"("Id")
-- expect-contains: CREATE UNIQUE INDEX
select pg_get_constraintdef(c.oid), pg_get_indexdef(c.conindid) from pg_constraint c where c.conrelid = '"Deals"'::regclass order by c.contype;

-- name: surface-arrays
-- expect-columns: array_to_string, parse_ident, cols
-- expect-contains: Id
select array_to_string(array['a', 'b'], ','), parse_ident('public."Deals"'), (select array_to_string(array_agg(attname), ',') from pg_attribute where attrelid = '"Deals"'::regclass and attnum > 0) as cols;

-- name: surface-string-to-array-table
-- expect-columns: s
-- expect-rows: 1
select * from string_to_array('a,b', ',') as s;

-- name: surface-unnest-catalog-array
-- expect-columns: unnest
-- expect-rows: 1
select unnest(i.indkey) from pg_index i where i.indrelid = '"Deals"'::regclass;

-- name: surface-generate-subscripts
-- expect-columns: generate_subscripts
-- expect-rows: 1
select generate_subscripts(c.conkey, 1) from pg_constraint c where c.contype = 'f' and c.conrelid = '"Deals"'::regclass;

-- name: surface-empty-catalogs
-- expect-columns: tgname, polname, inhparent, refobjid, seqmax, collname
-- expect-rows: 0
select t.tgname, p.polname, i.inhparent, d.refobjid, s.seqmax, co.collname from pg_trigger t, pg_policy p, pg_inherits i, pg_depend d, pg_sequence s, pg_collation co;

-- name: surface-information-schema
-- expect-columns: constraint_type, count
-- expect-rows: 2
select constraint_type, count(*) from information_schema.table_constraints where table_schema = 'public' group by 1 order by 1;

-- name: surface-referential
-- expect-columns: constraint_name, unique_constraint_name, table_name, column_name
-- expect-contains: Persons_pkey
select r.constraint_name, r.unique_constraint_name, u.table_name, u.column_name from information_schema.referential_constraints r join information_schema.constraint_column_usage u on u.constraint_name = r.constraint_name;

-- name: surface-routines
-- expect-columns: routine_name, parameter_name
-- expect-rows: 0
select r.routine_name, p.parameter_name from information_schema.routines r left join information_schema.parameters p on p.specific_name = r.specific_name;

-- name: surface-schemata
-- expect-contains: public
-- expect-contains: information_schema
select schema_name from information_schema.schemata where catalog_name = current_database() order by 1;
