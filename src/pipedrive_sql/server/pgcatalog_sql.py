"""The emulated catalog's schema as SQL: pg_catalog tables (schema `pgc`), information_schema views
(schema `pgi`), and the system functions clients call as DuckDB macros (`pgx_<name>`).

Tables have PostgreSQL 15's columns, so that a client's query binds even where the catalog is empty here
(triggers, policies, publications, inheritance ...): an empty answer comes from a real empty table, never
from a guess. `pgcatalog.CatalogDatabase` creates these and fills them from the driver's catalog.
"""

from __future__ import annotations

DDL = """
CREATE SCHEMA pgc;
CREATE SCHEMA pgi;
CREATE TABLE pgc.pg_namespace (oid UINTEGER, nspname VARCHAR, nspowner UINTEGER DEFAULT 10, nspacl VARCHAR);
CREATE TABLE pgc.pg_class (
  oid UINTEGER, relname VARCHAR, relnamespace UINTEGER, reltype UINTEGER DEFAULT 0,
  reloftype UINTEGER DEFAULT 0, relowner UINTEGER DEFAULT 10, relam UINTEGER DEFAULT 0,
  relfilenode UINTEGER DEFAULT 0, reltablespace UINTEGER DEFAULT 0, relpages INTEGER DEFAULT 0,
  reltuples REAL DEFAULT -1, relallvisible INTEGER DEFAULT 0, reltoastrelid UINTEGER DEFAULT 0,
  relhasindex BOOLEAN DEFAULT false, relisshared BOOLEAN DEFAULT false, relpersistence VARCHAR DEFAULT 'p',
  relkind VARCHAR, relnatts SMALLINT DEFAULT 0, relchecks SMALLINT DEFAULT 0,
  relhasrules BOOLEAN DEFAULT false, relhastriggers BOOLEAN DEFAULT false,
  relhassubclass BOOLEAN DEFAULT false, relrowsecurity BOOLEAN DEFAULT false,
  relforcerowsecurity BOOLEAN DEFAULT false, relispopulated BOOLEAN DEFAULT true,
  relreplident VARCHAR DEFAULT 'd', relispartition BOOLEAN DEFAULT false, relrewrite UINTEGER DEFAULT 0,
  relfrozenxid UINTEGER DEFAULT 0, relminmxid UINTEGER DEFAULT 0, relacl VARCHAR[], reloptions VARCHAR[],
  relpartbound VARCHAR, relhasoids BOOLEAN DEFAULT false
);
CREATE TABLE pgc.pg_attribute (
  attrelid UINTEGER, attname VARCHAR, atttypid UINTEGER, attstattarget INTEGER DEFAULT -1,
  attlen SMALLINT DEFAULT -1, attnum SMALLINT, attndims INTEGER DEFAULT 0, attcacheoff INTEGER DEFAULT -1,
  atttypmod INTEGER DEFAULT -1, attbyval BOOLEAN DEFAULT false, attalign VARCHAR DEFAULT 'i',
  attstorage VARCHAR DEFAULT 'x', attcompression VARCHAR DEFAULT '', attnotnull BOOLEAN DEFAULT false,
  atthasdef BOOLEAN DEFAULT false, atthasmissing BOOLEAN DEFAULT false, attidentity VARCHAR DEFAULT '',
  attgenerated VARCHAR DEFAULT '', attisdropped BOOLEAN DEFAULT false, attislocal BOOLEAN DEFAULT true,
  attinhcount INTEGER DEFAULT 0, attcollation UINTEGER DEFAULT 0, attacl VARCHAR[], attoptions VARCHAR[],
  attfdwoptions VARCHAR[], attmissingval VARCHAR
);
CREATE TABLE pgc.pg_type (
  oid UINTEGER, typname VARCHAR, typnamespace UINTEGER DEFAULT 11, typowner UINTEGER DEFAULT 10,
  typlen SMALLINT, typbyval BOOLEAN DEFAULT false, typtype VARCHAR DEFAULT 'b', typcategory VARCHAR,
  typispreferred BOOLEAN DEFAULT false, typisdefined BOOLEAN DEFAULT true, typdelim VARCHAR DEFAULT ',',
  typrelid UINTEGER DEFAULT 0, typsubscript VARCHAR DEFAULT '-', typelem UINTEGER DEFAULT 0,
  typarray UINTEGER DEFAULT 0, typinput UINTEGER, typoutput UINTEGER, typreceive UINTEGER, typsend UINTEGER,
  typmodin UINTEGER DEFAULT 0, typmodout UINTEGER DEFAULT 0, typanalyze UINTEGER DEFAULT 0,
  typalign VARCHAR DEFAULT 'i', typstorage VARCHAR DEFAULT 'p', typnotnull BOOLEAN DEFAULT false,
  typbasetype UINTEGER DEFAULT 0, typtypmod INTEGER DEFAULT -1, typndims INTEGER DEFAULT 0,
  typcollation UINTEGER DEFAULT 0, typdefaultbin VARCHAR, typdefault VARCHAR, typacl VARCHAR[]
);
CREATE TABLE pgc.pg_index (
  indexrelid UINTEGER, indrelid UINTEGER, indnatts SMALLINT, indnkeyatts SMALLINT,
  indisunique BOOLEAN DEFAULT true, indnullsnotdistinct BOOLEAN DEFAULT false,
  indisprimary BOOLEAN DEFAULT true, indisexclusion BOOLEAN DEFAULT false,
  indimmediate BOOLEAN DEFAULT true, indisclustered BOOLEAN DEFAULT false, indisvalid BOOLEAN DEFAULT true,
  indcheckxmin BOOLEAN DEFAULT false, indisready BOOLEAN DEFAULT true, indislive BOOLEAN DEFAULT true,
  indisreplident BOOLEAN DEFAULT false, indkey SMALLINT[], indcollation UINTEGER[], indclass UINTEGER[],
  indoption SMALLINT[], indexprs VARCHAR, indpred VARCHAR, indexdef VARCHAR
);
CREATE TABLE pgc.pg_constraint (
  oid UINTEGER, conname VARCHAR, connamespace UINTEGER DEFAULT 2200, contype VARCHAR,
  condeferrable BOOLEAN DEFAULT false, condeferred BOOLEAN DEFAULT false, convalidated BOOLEAN DEFAULT true,
  conrelid UINTEGER, contypid UINTEGER DEFAULT 0, conindid UINTEGER DEFAULT 0,
  conparentid UINTEGER DEFAULT 0, confrelid UINTEGER DEFAULT 0, confupdtype VARCHAR DEFAULT 'a',
  confdeltype VARCHAR DEFAULT 'a', confmatchtype VARCHAR DEFAULT 's', conislocal BOOLEAN DEFAULT true,
  coninhcount INTEGER DEFAULT 0, connoinherit BOOLEAN DEFAULT true, conkey SMALLINT[], confkey SMALLINT[],
  conpfeqop UINTEGER[], conppeqop UINTEGER[], conffeqop UINTEGER[], confdelsetcols SMALLINT[],
  conexclop UINTEGER[], conbin VARCHAR, condef VARCHAR
);
CREATE TABLE pgc.pg_attrdef (oid UINTEGER, adrelid UINTEGER, adnum SMALLINT, adbin VARCHAR);
CREATE TABLE pgc.pg_description (objoid UINTEGER, classoid UINTEGER, objsubid INTEGER, description VARCHAR);
CREATE TABLE pgc.pg_am (oid UINTEGER, amname VARCHAR, amhandler VARCHAR, amtype VARCHAR);
CREATE TABLE pgc.pg_database (
  oid UINTEGER, datname VARCHAR, datdba UINTEGER DEFAULT 10, encoding INTEGER DEFAULT 6,
  datlocprovider VARCHAR DEFAULT 'c', datistemplate BOOLEAN DEFAULT false, datallowconn BOOLEAN DEFAULT true,
  datconnlimit INTEGER DEFAULT -1, datfrozenxid UINTEGER DEFAULT 0, datminmxid UINTEGER DEFAULT 1,
  dattablespace UINTEGER DEFAULT 1663, datcollate VARCHAR DEFAULT 'C.UTF-8', datctype VARCHAR DEFAULT 'C.UTF-8',
  daticulocale VARCHAR, datcollversion VARCHAR, datacl VARCHAR[]
);
CREATE TABLE pgc.pg_roles (
  oid UINTEGER, rolname VARCHAR, rolsuper BOOLEAN DEFAULT false, rolinherit BOOLEAN DEFAULT true,
  rolcreaterole BOOLEAN DEFAULT false, rolcreatedb BOOLEAN DEFAULT false, rolcanlogin BOOLEAN DEFAULT true,
  rolreplication BOOLEAN DEFAULT false, rolconnlimit INTEGER DEFAULT -1, rolpassword VARCHAR DEFAULT '********',
  rolvaliduntil TIMESTAMPTZ, rolbypassrls BOOLEAN DEFAULT false, rolconfig VARCHAR[]
);
CREATE TABLE pgc.pg_settings (
  name VARCHAR, setting VARCHAR, unit VARCHAR, category VARCHAR DEFAULT '', short_desc VARCHAR DEFAULT '',
  extra_desc VARCHAR, context VARCHAR DEFAULT 'user', vartype VARCHAR DEFAULT 'string',
  source VARCHAR DEFAULT 'default', min_val VARCHAR, max_val VARCHAR, enumvals VARCHAR[],
  boot_val VARCHAR, reset_val VARCHAR, sourcefile VARCHAR, sourceline INTEGER, pending_restart BOOLEAN DEFAULT false
);
CREATE TABLE pgc.pg_proc (
  oid UINTEGER, proname VARCHAR, pronamespace UINTEGER, proowner UINTEGER DEFAULT 10,
  prolang UINTEGER DEFAULT 12, procost REAL DEFAULT 1, prorows REAL DEFAULT 0, provariadic UINTEGER DEFAULT 0,
  prosupport VARCHAR DEFAULT '-', prokind VARCHAR DEFAULT 'f', prosecdef BOOLEAN DEFAULT false,
  proleakproof BOOLEAN DEFAULT false, proisstrict BOOLEAN DEFAULT true, proretset BOOLEAN DEFAULT false,
  provolatile VARCHAR DEFAULT 'i', proparallel VARCHAR DEFAULT 's', pronargs SMALLINT DEFAULT 0,
  pronargdefaults SMALLINT DEFAULT 0, prorettype UINTEGER DEFAULT 0, proargtypes UINTEGER[],
  proallargtypes UINTEGER[], proargmodes VARCHAR[], proargnames VARCHAR[], proargdefaults VARCHAR,
  protrftypes UINTEGER[], prosrc VARCHAR, probin VARCHAR, prosqlbody VARCHAR, proconfig VARCHAR[], proacl VARCHAR[]
);
CREATE TABLE pgc.pg_db_role_setting (setdatabase UINTEGER, setrole UINTEGER, setconfig VARCHAR[]);
CREATE TABLE pgc.pg_auth_members (oid UINTEGER, roleid UINTEGER, member UINTEGER, grantor UINTEGER, admin_option BOOLEAN);
CREATE TABLE pgc.pg_collation (oid UINTEGER, collname VARCHAR, collnamespace UINTEGER, collowner UINTEGER,
  collprovider VARCHAR, collisdeterministic BOOLEAN, collencoding INTEGER, collcollate VARCHAR, collctype VARCHAR,
  colliculocale VARCHAR, collversion VARCHAR);
CREATE TABLE pgc.pg_inherits (inhrelid UINTEGER, inhparent UINTEGER, inhseqno INTEGER, inhdetachpending BOOLEAN);
CREATE TABLE pgc.pg_trigger (
  oid UINTEGER, tgrelid UINTEGER, tgparentid UINTEGER, tgname VARCHAR, tgfoid UINTEGER, tgtype SMALLINT,
  tgenabled VARCHAR, tgisinternal BOOLEAN, tgconstrrelid UINTEGER, tgconstrindid UINTEGER,
  tgconstraint UINTEGER, tgdeferrable BOOLEAN, tginitdeferred BOOLEAN, tgnargs SMALLINT, tgattr SMALLINT[],
  tgargs BLOB, tgqual VARCHAR, tgoldtable VARCHAR, tgnewtable VARCHAR
);
CREATE TABLE pgc.pg_policy (
  oid UINTEGER, polname VARCHAR, polrelid UINTEGER, polcmd VARCHAR, polpermissive BOOLEAN,
  polroles UINTEGER[], polqual VARCHAR, polwithcheck VARCHAR
);
CREATE TABLE pgc.pg_rewrite (oid UINTEGER, rulename VARCHAR, ev_class UINTEGER, ev_type VARCHAR, ev_enabled VARCHAR,
  is_instead BOOLEAN, ev_qual VARCHAR, ev_action VARCHAR);
CREATE TABLE pgc.pg_statistic_ext (
  oid UINTEGER, stxrelid UINTEGER, stxname VARCHAR, stxnamespace UINTEGER, stxowner UINTEGER,
  stxstattarget INTEGER, stxkeys SMALLINT[], stxkind VARCHAR[], stxexprs VARCHAR
);
CREATE TABLE pgc.pg_publication (
  oid UINTEGER, pubname VARCHAR, pubowner UINTEGER, puballtables BOOLEAN, pubinsert BOOLEAN,
  pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN, pubviaroot BOOLEAN
);
CREATE TABLE pgc.pg_publication_namespace (oid UINTEGER, pnpubid UINTEGER, pnnspid UINTEGER);
CREATE TABLE pgc.pg_publication_rel (oid UINTEGER, prpubid UINTEGER, prrelid UINTEGER, prqual VARCHAR, prattrs SMALLINT[]);
CREATE TABLE pgc.pg_tablespace (oid UINTEGER, spcname VARCHAR, spcowner UINTEGER, spcacl VARCHAR[], spcoptions VARCHAR[]);
CREATE TABLE pgc.pg_extension (oid UINTEGER, extname VARCHAR, extowner UINTEGER, extnamespace UINTEGER,
  extrelocatable BOOLEAN, extversion VARCHAR, extconfig UINTEGER[], extcondition VARCHAR[]);
CREATE TABLE pgc.pg_enum (oid UINTEGER, enumtypid UINTEGER, enumsortorder REAL, enumlabel VARCHAR);
CREATE TABLE pgc.pg_range (rngtypid UINTEGER, rngsubtype UINTEGER, rngmultitypid UINTEGER, rngcollation UINTEGER,
  rngsubopc UINTEGER, rngcanonical VARCHAR, rngsubdiff VARCHAR);
CREATE TABLE pgc.pg_depend (classid UINTEGER, objid UINTEGER, objsubid INTEGER, refclassid UINTEGER, refobjid UINTEGER,
  refobjsubid INTEGER, deptype VARCHAR);
CREATE TABLE pgc.pg_shdepend (dbid UINTEGER, classid UINTEGER, objid UINTEGER, objsubid INTEGER, refclassid UINTEGER,
  refobjid UINTEGER, deptype VARCHAR);
CREATE TABLE pgc.pg_partitioned_table (partrelid UINTEGER, partstrat VARCHAR, partnatts SMALLINT, partdefid UINTEGER,
  partattrs SMALLINT[], partclass UINTEGER[], partcollation UINTEGER[], partexprs VARCHAR);
CREATE TABLE pgc.pg_foreign_server (oid UINTEGER, srvname VARCHAR, srvowner UINTEGER, srvfdw UINTEGER, srvtype VARCHAR,
  srvversion VARCHAR, srvacl VARCHAR[], srvoptions VARCHAR[]);
CREATE TABLE pgc.pg_foreign_data_wrapper (oid UINTEGER, fdwname VARCHAR, fdwowner UINTEGER, fdwhandler UINTEGER,
  fdwvalidator UINTEGER, fdwacl VARCHAR[], fdwoptions VARCHAR[]);
CREATE TABLE pgc.pg_conversion (oid UINTEGER, conname VARCHAR, connamespace UINTEGER, conowner UINTEGER,
  conforencoding INTEGER, contoencoding INTEGER, conproc UINTEGER, condefault BOOLEAN);
CREATE TABLE pgc.pg_init_privs (objoid UINTEGER, classoid UINTEGER, objsubid INTEGER, privtype VARCHAR, initprivs VARCHAR[]);
CREATE TABLE pgc.pg_seclabel (objoid UINTEGER, classoid UINTEGER, objsubid INTEGER, provider VARCHAR, label VARCHAR);
CREATE TABLE pgc.pg_subscription (oid UINTEGER, subdbid UINTEGER, subname VARCHAR, subowner UINTEGER, subenabled BOOLEAN,
  subpublications VARCHAR[], subbinary BOOLEAN, substream VARCHAR, subtwophasestate VARCHAR, subdisableonerr BOOLEAN,
  subsynccommit VARCHAR, subconninfo VARCHAR, subskiplsn VARCHAR);
CREATE TABLE pgc.pg_statistic (starelid UINTEGER, staattnum SMALLINT, stainherit BOOLEAN, stanullfrac REAL,
  stawidth INTEGER, stadistinct REAL);
CREATE TABLE pgc.pg_ts_config (oid UINTEGER, cfgname VARCHAR, cfgnamespace UINTEGER, cfgowner UINTEGER, cfgparser UINTEGER);
CREATE TABLE pgc.pg_ts_dict (oid UINTEGER, dictname VARCHAR, dictnamespace UINTEGER, dictowner UINTEGER, dicttemplate UINTEGER,
  dictinitoption VARCHAR);
CREATE TABLE pgc.pg_ts_parser (oid UINTEGER, prsname VARCHAR, prsnamespace UINTEGER, prsstart UINTEGER, prstoken UINTEGER,
  prsend UINTEGER, prsheadline UINTEGER, prslextype UINTEGER);
CREATE TABLE pgc.pg_ts_template (oid UINTEGER, tmplname VARCHAR, tmplnamespace UINTEGER, tmplinit UINTEGER, tmpllexize UINTEGER);
CREATE TABLE pgc.pg_amop (oid UINTEGER, amopfamily UINTEGER, amoplefttype UINTEGER, amoprighttype UINTEGER,
  amopstrategy SMALLINT, amoppurpose VARCHAR, amopopr UINTEGER, amopmethod UINTEGER, amopsortfamily UINTEGER);
CREATE TABLE pgc.pg_amproc (oid UINTEGER, amprocfamily UINTEGER, amproclefttype UINTEGER, amprocrighttype UINTEGER,
  amprocnum SMALLINT, amproc UINTEGER);
CREATE TABLE pgc.pg_user_mappings (umid UINTEGER, srvid UINTEGER, srvname VARCHAR, umuser UINTEGER, usename VARCHAR,
  umoptions VARCHAR[]);
CREATE TABLE pgc.pg_shdescription (objoid UINTEGER, classoid UINTEGER, description VARCHAR);
CREATE TABLE pgc.pg_sequence (seqrelid UINTEGER, seqtypid UINTEGER, seqstart BIGINT, seqincrement BIGINT,
  seqmax BIGINT, seqmin BIGINT, seqcache BIGINT, seqcycle BOOLEAN);
CREATE TABLE pgc.pg_foreign_table (ftrelid UINTEGER, ftserver UINTEGER, ftoptions VARCHAR[]);
CREATE TABLE pgc.pg_language (oid UINTEGER, lanname VARCHAR, lanowner UINTEGER, lanispl BOOLEAN, lanpltrusted BOOLEAN,
  lanplcallfoid UINTEGER, laninline UINTEGER, lanvalidator UINTEGER, lanacl VARCHAR[]);
CREATE TABLE pgc.pg_event_trigger (oid UINTEGER, evtname VARCHAR, evtevent VARCHAR, evtowner UINTEGER,
  evtfoid UINTEGER, evtenabled VARCHAR, evttags VARCHAR[]);
CREATE TABLE pgc.pg_cast (oid UINTEGER, castsource UINTEGER, casttarget UINTEGER, castfunc UINTEGER, castcontext VARCHAR, castmethod VARCHAR);
CREATE TABLE pgc.pg_operator (oid UINTEGER, oprname VARCHAR, oprnamespace UINTEGER, oprleft UINTEGER, oprright UINTEGER, oprresult UINTEGER,
  oprkind VARCHAR DEFAULT 'b', oprcode UINTEGER DEFAULT 0);
CREATE TABLE pgc.pg_opclass (oid UINTEGER, opcmethod UINTEGER, opcname VARCHAR, opcnamespace UINTEGER, opcintype UINTEGER, opcdefault BOOLEAN,
  opckeytype UINTEGER DEFAULT 0, opcfamily UINTEGER DEFAULT 0, opcowner UINTEGER DEFAULT 10);
CREATE TABLE pgc.pg_largeobject_metadata (oid UINTEGER, lomowner UINTEGER, lomacl VARCHAR[]);
CREATE TABLE pgc.pg_opfamily (oid UINTEGER, opfmethod UINTEGER, opfname VARCHAR, opfnamespace UINTEGER, opfowner UINTEGER);
CREATE TABLE pgc.pg_aggregate (aggfnoid UINTEGER, aggkind VARCHAR, aggtransfn VARCHAR);
CREATE TABLE pgc.pg_matviews (schemaname VARCHAR, matviewname VARCHAR, matviewowner VARCHAR, definition VARCHAR);
CREATE TABLE pgc.pg_stat_activity (
  datid UINTEGER, datname VARCHAR, pid INTEGER, usename VARCHAR, application_name VARCHAR,
  client_addr VARCHAR, backend_start TIMESTAMPTZ, state VARCHAR, query VARCHAR
);
CREATE TABLE pgc.pg_timezone_names (name VARCHAR, abbrev VARCHAR, utc_offset INTERVAL, is_dst BOOLEAN);
"""

# Views defined over the tables above, as PostgreSQL defines them.
VIEWS = """
CREATE VIEW pgc.pg_user AS SELECT rolname AS usename, oid AS usesysid, rolcreatedb AS usecreatedb,
  rolsuper AS usesuper, false AS userepl, false AS usebypassrls, '********' AS passwd,
  NULL::TIMESTAMPTZ AS valuntil, NULL::VARCHAR[] AS useconfig FROM pgc.pg_roles;
CREATE VIEW pgc.pg_authid AS SELECT * FROM pgc.pg_roles;
CREATE VIEW pgc.pg_tables AS SELECT n.nspname AS schemaname, c.relname AS tablename, 'pipedrive' AS tableowner,
  NULL::VARCHAR AS tablespace, c.relhasindex AS hasindexes, false AS hasrules, false AS hastriggers,
  false AS rowsecurity FROM pgc.pg_class c JOIN pgc.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p');
CREATE VIEW pgc.pg_views AS SELECT n.nspname AS schemaname, c.relname AS viewname, 'pipedrive' AS viewowner,
  '' AS definition FROM pgc.pg_class c JOIN pgc.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'v';
CREATE VIEW pgc.pg_indexes AS SELECT n.nspname AS schemaname, t.relname AS tablename, ic.relname AS indexname,
  NULL::VARCHAR AS tablespace, i.indexdef AS indexdef FROM pgc.pg_index i
  JOIN pgc.pg_class ic ON ic.oid = i.indexrelid JOIN pgc.pg_class t ON t.oid = i.indrelid
  JOIN pgc.pg_namespace n ON n.oid = t.relnamespace;
CREATE VIEW pgc.pg_stat_user_tables AS SELECT c.oid AS relid, n.nspname AS schemaname, c.relname,
  0::BIGINT AS seq_scan, 0::BIGINT AS n_live_tup FROM pgc.pg_class c
  JOIN pgc.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.oid = 2200;
CREATE VIEW pgc.pg_statio_user_tables AS SELECT relid, schemaname, relname FROM pgc.pg_stat_user_tables;

CREATE VIEW pgi.schemata AS SELECT current_database AS catalog_name, nspname AS schema_name,
  'pipedrive' AS schema_owner, NULL::VARCHAR AS default_character_set_catalog,
  NULL::VARCHAR AS default_character_set_schema, NULL::VARCHAR AS default_character_set_name,
  NULL::VARCHAR AS sql_path FROM pgc.pg_namespace, (SELECT datname AS current_database FROM pgc.pg_database WHERE oid = 16383);
CREATE VIEW pgi.tables AS SELECT d.datname AS table_catalog, n.nspname AS table_schema, c.relname AS table_name,
  CASE WHEN n.oid = 11 OR n.oid = 13000 THEN CASE c.relkind WHEN 'v' THEN 'VIEW' ELSE 'BASE TABLE' END
       WHEN c.relkind = 'v' THEN 'VIEW' ELSE 'BASE TABLE' END AS table_type,
  NULL::VARCHAR AS self_referencing_column_name, NULL::VARCHAR AS reference_generation,
  NULL::VARCHAR AS user_defined_type_catalog, NULL::VARCHAR AS user_defined_type_schema,
  NULL::VARCHAR AS user_defined_type_name, CASE WHEN c.relkind = 'r' THEN 'YES' ELSE 'NO' END AS is_insertable_into,
  'NO' AS is_typed, NULL::VARCHAR AS commit_action
  FROM pgc.pg_class c JOIN pgc.pg_namespace n ON n.oid = c.relnamespace, pgc.pg_database d
  WHERE c.relkind IN ('r', 'v', 'p') AND d.oid = 16383;
CREATE VIEW pgi.columns AS SELECT d.datname AS table_catalog, n.nspname AS table_schema, c.relname AS table_name,
  a.attname AS column_name, a.attnum::INTEGER AS ordinal_position, ad.adbin AS column_default,
  CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable,
  pgx_information_schema_type(a.atttypid) AS data_type,
  CASE WHEN a.atttypid = 1043 AND a.atttypmod > 4 THEN a.atttypmod - 4 END AS character_maximum_length,
  CASE WHEN a.atttypid IN (25, 1043) THEN 1073741824 END AS character_octet_length,
  CASE a.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 WHEN 701 THEN 53
    WHEN 1700 THEN CASE WHEN a.atttypmod > 4 THEN (a.atttypmod - 4) >> 16 END END AS numeric_precision,
  CASE WHEN a.atttypid IN (21, 23, 20, 1700) THEN 10 WHEN a.atttypid IN (700, 701) THEN 2 END AS numeric_precision_radix,
  CASE WHEN a.atttypid IN (21, 23, 20) THEN 0 WHEN a.atttypid = 1700 AND a.atttypmod > 4 THEN (a.atttypmod - 4) & 65535 END AS numeric_scale,
  CASE WHEN a.atttypid IN (1082) THEN 0 WHEN a.atttypid IN (1083, 1114, 1184) THEN 6 END AS datetime_precision,
  NULL::VARCHAR AS interval_type, NULL::INTEGER AS interval_precision,
  NULL::VARCHAR AS character_set_catalog, NULL::VARCHAR AS character_set_schema, NULL::VARCHAR AS character_set_name,
  NULL::VARCHAR AS collation_catalog, NULL::VARCHAR AS collation_schema, NULL::VARCHAR AS collation_name,
  NULL::VARCHAR AS domain_catalog, NULL::VARCHAR AS domain_schema, NULL::VARCHAR AS domain_name,
  d.datname AS udt_catalog, 'pg_catalog' AS udt_schema, t.typname AS udt_name,
  NULL::VARCHAR AS scope_catalog, NULL::VARCHAR AS scope_schema, NULL::VARCHAR AS scope_name,
  NULL::INTEGER AS maximum_cardinality, a.attnum::VARCHAR AS dtd_identifier, 'NO' AS is_self_referencing,
  'NO' AS is_identity, NULL::VARCHAR AS identity_generation, NULL::VARCHAR AS identity_start,
  NULL::VARCHAR AS identity_increment, NULL::VARCHAR AS identity_maximum, NULL::VARCHAR AS identity_minimum,
  NULL::VARCHAR AS identity_cycle, 'NEVER' AS is_generated, NULL::VARCHAR AS generation_expression,
  CASE WHEN c.relkind = 'r' THEN 'YES' ELSE 'NO' END AS is_updatable
  FROM pgc.pg_attribute a JOIN pgc.pg_class c ON c.oid = a.attrelid
  JOIN pgc.pg_namespace n ON n.oid = c.relnamespace JOIN pgc.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pgc.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum, pgc.pg_database d
  WHERE c.relkind IN ('r', 'v', 'p') AND a.attnum > 0 AND d.oid = 16383;
CREATE VIEW pgi.table_constraints AS SELECT d.datname AS constraint_catalog, n.nspname AS constraint_schema,
  con.conname AS constraint_name, d.datname AS table_catalog, n.nspname AS table_schema, c.relname AS table_name,
  CASE con.contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'f' THEN 'FOREIGN KEY' WHEN 'u' THEN 'UNIQUE' END AS constraint_type,
  'NO' AS is_deferrable, 'NO' AS initially_deferred, 'YES' AS enforced, 'YES' AS nulls_distinct
  FROM pgc.pg_constraint con JOIN pgc.pg_class c ON c.oid = con.conrelid
  JOIN pgc.pg_namespace n ON n.oid = c.relnamespace, pgc.pg_database d WHERE d.oid = 16383;
CREATE VIEW pgi.key_column_usage AS SELECT d.datname AS constraint_catalog, n.nspname AS constraint_schema,
  con.conname AS constraint_name, d.datname AS table_catalog, n.nspname AS table_schema, c.relname AS table_name,
  a.attname AS column_name, k.pos::INTEGER AS ordinal_position,
  CASE WHEN con.contype = 'f' THEN k.pos::INTEGER END AS position_in_unique_constraint
  FROM pgc.pg_constraint con JOIN pgc.pg_class c ON c.oid = con.conrelid
  JOIN pgc.pg_namespace n ON n.oid = c.relnamespace
  JOIN (SELECT oid, unnest(conkey) AS attnum, unnest(generate_series(1, len(conkey))) AS pos FROM pgc.pg_constraint) k ON k.oid = con.oid
  JOIN pgc.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum, pgc.pg_database d
  WHERE con.contype IN ('p', 'f', 'u') AND d.oid = 16383;
CREATE VIEW pgi.referential_constraints AS SELECT d.datname AS constraint_catalog, n.nspname AS constraint_schema,
  con.conname AS constraint_name, d.datname AS unique_constraint_catalog, n.nspname AS unique_constraint_schema,
  pk.conname AS unique_constraint_name, 'NONE' AS match_option, 'NO ACTION' AS update_rule, 'NO ACTION' AS delete_rule
  FROM pgc.pg_constraint con JOIN pgc.pg_class c ON c.oid = con.conrelid
  JOIN pgc.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pgc.pg_constraint pk ON pk.conrelid = con.confrelid AND pk.contype = 'p', pgc.pg_database d
  WHERE con.contype = 'f' AND d.oid = 16383;
CREATE VIEW pgi.constraint_column_usage AS SELECT d.datname AS table_catalog, n.nspname AS table_schema,
  c.relname AS table_name, a.attname AS column_name, d.datname AS constraint_catalog,
  n.nspname AS constraint_schema, con.conname AS constraint_name
  FROM pgc.pg_constraint con JOIN pgc.pg_class c ON c.oid = CASE WHEN con.contype = 'f' THEN con.confrelid ELSE con.conrelid END
  JOIN pgc.pg_namespace n ON n.oid = c.relnamespace
  JOIN pgc.pg_attribute a ON a.attrelid = c.oid AND list_contains(CASE WHEN con.contype = 'f' THEN con.confkey ELSE con.conkey END, a.attnum),
  pgc.pg_database d WHERE d.oid = 16383;
CREATE VIEW pgi.views AS SELECT table_catalog, table_schema, table_name, '' AS view_definition, 'NONE' AS check_option,
  'NO' AS is_updatable, 'NO' AS is_insertable_into, 'NO' AS is_trigger_updatable, 'NO' AS is_trigger_deletable,
  'NO' AS is_trigger_insertable_into FROM pgi.tables WHERE table_type = 'VIEW';
CREATE TABLE pgi.routines (specific_catalog VARCHAR, specific_schema VARCHAR, specific_name VARCHAR,
  routine_catalog VARCHAR, routine_schema VARCHAR, routine_name VARCHAR, routine_type VARCHAR, data_type VARCHAR);
CREATE TABLE pgi.parameters (specific_catalog VARCHAR, specific_schema VARCHAR, specific_name VARCHAR,
  ordinal_position INTEGER, parameter_mode VARCHAR, parameter_name VARCHAR, data_type VARCHAR);
CREATE TABLE pgi.character_sets (character_set_catalog VARCHAR, character_set_schema VARCHAR,
  character_set_name VARCHAR, character_repertoire VARCHAR, form_of_use VARCHAR, default_collate_catalog VARCHAR,
  default_collate_schema VARCHAR, default_collate_name VARCHAR);
CREATE TABLE pgi.sequences (sequence_catalog VARCHAR, sequence_schema VARCHAR, sequence_name VARCHAR, data_type VARCHAR);
CREATE TABLE pgi.triggers (trigger_catalog VARCHAR, trigger_schema VARCHAR, trigger_name VARCHAR,
  event_object_table VARCHAR);
CREATE TABLE pgi.check_constraints (constraint_catalog VARCHAR, constraint_schema VARCHAR,
  constraint_name VARCHAR, check_clause VARCHAR);
CREATE TABLE pgi.role_table_grants (grantor VARCHAR, grantee VARCHAR, table_catalog VARCHAR, table_schema VARCHAR,
  table_name VARCHAR, privilege_type VARCHAR, is_grantable VARCHAR, with_hierarchy VARCHAR);
CREATE VIEW pgi.table_privileges AS SELECT * FROM pgi.role_table_grants;
"""

# System functions clients call. Arguments are prefixed so they cannot capture column names.
MACROS = """
CREATE MACRO pgx_quote_ident(_a) AS CASE WHEN regexp_full_match(_a, '[a-z_][a-z0-9_$]*') THEN _a ELSE '"' || replace(_a, '"', '""') || '"' END;
CREATE MACRO pgx_pg_get_userbyid(_a) AS 'pipedrive';
CREATE MACRO pgx_pg_table_is_visible(_a) AS true;
CREATE MACRO pgx_pg_type_is_visible(_a) AS true;
CREATE MACRO pgx_pg_function_is_visible(_a) AS true;
CREATE MACRO pgx_pg_collation_is_visible(_a) AS true;
CREATE MACRO pgx_pg_opclass_is_visible(_a) AS true;
CREATE MACRO pgx_pg_conversion_is_visible(_a) AS true;
CREATE MACRO pgx_pg_ts_config_is_visible(_a) AS true;
CREATE MACRO pgx_pg_get_expr(_a, _b) AS _a, (_a, _b, _c) AS _a;
CREATE MACRO pgx_pg_encoding_to_char(_a) AS 'UTF8';
CREATE MACRO pgx_pg_char_to_encoding(_a) AS 6;
CREATE MACRO pgx_version() AS '__VERSION__';
CREATE MACRO pgx_pg_backend_pid() AS 0;
CREATE MACRO pgx_pg_postmaster_start_time() AS TIMESTAMPTZ '2000-01-01 00:00:00+00';
CREATE MACRO pgx_inet_server_addr() AS NULL::VARCHAR;
CREATE MACRO pgx_inet_server_port() AS NULL::INTEGER;
CREATE MACRO pgx_has_table_privilege(_a, _b) AS true, (_a, _b, _c) AS true;
CREATE MACRO pgx_has_schema_privilege(_a, _b) AS true, (_a, _b, _c) AS true;
CREATE MACRO pgx_has_database_privilege(_a, _b) AS true, (_a, _b, _c) AS true;
CREATE MACRO pgx_has_column_privilege(_a, _b, _c) AS true, (_a, _b, _c, _d) AS true;
CREATE MACRO pgx_has_function_privilege(_a, _b) AS true, (_a, _b, _c) AS true;
CREATE MACRO pgx_has_any_column_privilege(_a, _b) AS true, (_a, _b, _c) AS true;
CREATE MACRO pgx_pg_has_role(_a, _b) AS true, (_a, _b, _c) AS true;
CREATE MACRO pgx_pg_relation_size(_a) AS 0::BIGINT, (_a, _b) AS 0::BIGINT;
CREATE MACRO pgx_pg_total_relation_size(_a) AS 0::BIGINT;
CREATE MACRO pgx_pg_table_size(_a) AS 0::BIGINT;
CREATE MACRO pgx_pg_indexes_size(_a) AS 0::BIGINT;
CREATE MACRO pgx_pg_database_size(_a) AS 0::BIGINT;
CREATE MACRO pgx_pg_size_pretty(_a) AS '0 bytes';
CREATE MACRO pgx_pg_relation_is_publishable(_a) AS false;
CREATE MACRO pgx_pg_partition_ancestors(_a) AS _a::UINTEGER;
CREATE MACRO pgx_pg_get_partkeydef(_a) AS NULL::VARCHAR;
CREATE MACRO pgx_pg_get_triggerdef(_a) AS NULL::VARCHAR, (_a, _b) AS NULL::VARCHAR;
CREATE MACRO pgx_pg_get_statisticsobjdef_columns(_a) AS NULL::VARCHAR;
CREATE MACRO pgx_pg_get_viewdef(_a) AS ''::VARCHAR, (_a, _b) AS ''::VARCHAR;
CREATE MACRO pgx_pg_get_functiondef(_a) AS ''::VARCHAR;
CREATE MACRO pgx_pg_get_function_arguments(_a) AS coalesce((
  SELECT string_agg(CASE _x.m WHEN 'o' THEN 'OUT ' WHEN 'b' THEN 'INOUT ' ELSE '' END || _x.n || ' '
    || coalesce(_f.format_name, _t.typname, 'text'), ', ' ORDER BY _x.i)
  FROM (SELECT unnest(_p.proargnames) AS n, unnest(_p.proallargtypes) AS t, unnest(_p.proargmodes) AS m,
          unnest(range(1, len(_p.proargnames) + 1)) AS i
        FROM pgc.pg_proc _p WHERE _p.oid = _a) _x
  LEFT JOIN pgc.pg_type _t ON _t.oid = _x.t LEFT JOIN pgc.type_format_names _f ON _f.oid = _x.t), '');
CREATE MACRO pgx_pg_get_function_result(_a) AS (SELECT CASE WHEN _p.prokind = 'p' THEN NULL ELSE '' END
  FROM pgc.pg_proc _p WHERE _p.oid = _a);
CREATE MACRO pgx_pg_get_function_identity_arguments(_a) AS pgx_pg_get_function_arguments(_a);
CREATE MACRO pgx_pg_get_serial_sequence(_a, _b) AS NULL::VARCHAR;
CREATE MACRO pgx_pg_is_in_recovery() AS false;
CREATE MACRO pgx_txid_current() AS 1::BIGINT;
CREATE MACRO pgx_pg_current_xact_id() AS 1::BIGINT;
CREATE MACRO pgx_tf_pg_get_keywords() AS TABLE SELECT keyword_name AS word,
  CASE keyword_category WHEN 'reserved' THEN 'R' WHEN 'unreserved' THEN 'U' WHEN 'column_name' THEN 'C' ELSE 'T' END AS catcode,
  keyword_category AS catdesc FROM duckdb_keywords();
CREATE MACRO pgx_current_setting(_a) AS (SELECT max(_s.setting) FROM pgc.pg_settings _s WHERE lower(_s.name) = lower(_a)),
  (_a, _b) AS (SELECT max(_s.setting) FROM pgc.pg_settings _s WHERE lower(_s.name) = lower(_a));
CREATE MACRO pgx_to_regclass(_a) AS (SELECT max(_c.oid) FROM pgc.pg_class _c
  WHERE _c.relname = trim(regexp_replace(_a, '^.*[.]', ''), '"'));
CREATE MACRO pgx_to_regtype(_a) AS (SELECT min(_n.oid) FROM pgc.type_names _n
  WHERE _n.name = lower(regexp_replace(trim(_a), '^(pg_catalog[.])?"?([^"]*)"?$', '\\2')));
CREATE MACRO pgx_to_regnamespace(_a) AS (SELECT min(_n.oid) FROM pgc.pg_namespace _n WHERE _n.nspname = trim(_a, '"'));
CREATE MACRO pgx_to_regproc(_a) AS (SELECT min(_p.oid) FROM pgc.pg_proc _p WHERE _p.proname = regexp_replace(_a, '^.*[.]', ''));
CREATE MACRO pgx_to_regprocedure(_a) AS (SELECT min(_p.oid) FROM pgc.pg_proc _p WHERE _p.proname = regexp_replace(regexp_replace(_a, '[(].*$', ''), '^.*[.]', ''));
CREATE MACRO pgx_to_regrole(_a) AS (SELECT min(_r.oid) FROM pgc.pg_roles _r WHERE _r.rolname = _a);
CREATE MACRO pgx_quote_literal(_a) AS '''' || replace(_a::VARCHAR, '''', '''''') || '''';
CREATE MACRO pgx_quote_nullable(_a) AS CASE WHEN _a IS NULL THEN 'NULL' ELSE '''' || replace(_a::VARCHAR, '''', '''''') || '''' END;
CREATE MACRO pgx_parse_ident(_a) AS list_transform(regexp_extract_all(_a, '"(?:[^"]|"")*"|[^."]+'),
  lambda _x: CASE WHEN _x[1] = '"' THEN replace(_x[2:-2], '""', '"') ELSE lower(trim(_x)) END);
CREATE MACRO pgx_shobj_description(_a, _b) AS (SELECT max(_d.description) FROM pgc.pg_shdescription _d WHERE _d.objoid = _a);
CREATE MACRO pgx_obj_description(_a) AS (SELECT max(_d.description) FROM pgc.pg_description _d WHERE _d.objoid = _a AND _d.objsubid = 0),
  (_a, _b) AS (SELECT max(_d.description) FROM pgc.pg_description _d WHERE _d.objoid = _a AND _d.objsubid = 0);
CREATE MACRO pgx_col_description(_a, _b) AS (SELECT max(_d.description) FROM pgc.pg_description _d WHERE _d.objoid = _a AND _d.objsubid = _b);
CREATE MACRO pgx_pg_get_constraintdef(_a) AS (SELECT max(_c.condef) FROM pgc.pg_constraint _c WHERE _c.oid = _a),
  (_a, _b) AS (SELECT max(_c.condef) FROM pgc.pg_constraint _c WHERE _c.oid = _a);
CREATE MACRO pgx_pg_get_indexdef(_a) AS (SELECT max(_i.indexdef) FROM pgc.pg_index _i WHERE _i.indexrelid = _a),
  (_a, _b, _c) AS CASE WHEN _b = 0 THEN (SELECT max(_i.indexdef) FROM pgc.pg_index _i WHERE _i.indexrelid = _a)
    ELSE (SELECT max(pgx_quote_ident(_t.attname)) FROM pgc.pg_attribute _t WHERE _t.attrelid = _a AND _t.attnum = _b) END;
CREATE MACRO pgx_regclass_oid(_a) AS coalesce(TRY_CAST(_a AS UINTEGER), pgx_to_regclass(_a::VARCHAR));
CREATE MACRO pgx_regtype_oid(_a) AS coalesce(TRY_CAST(_a AS UINTEGER), pgx_to_regtype(_a::VARCHAR));
CREATE MACRO pgx_regclass_name(_a) AS coalesce((SELECT max(pgx_quote_ident(_c.relname)) FROM pgc.pg_class _c WHERE _c.oid = _a), _a::VARCHAR);
CREATE MACRO pgx_regnamespace_name(_a) AS coalesce((SELECT max(_n.nspname) FROM pgc.pg_namespace _n WHERE _n.oid = _a), _a::VARCHAR);
CREATE MACRO pgx_regrole_name(_a) AS 'pipedrive';
CREATE MACRO pgx_regproc_name(_a) AS CASE WHEN _a = 0 THEN '-' ELSE coalesce((SELECT max(_p.proname) FROM pgc.pg_proc _p WHERE _p.oid = _a), _a::VARCHAR) END;
CREATE MACRO pgx_format_type(_a, _b) AS (
  SELECT CASE
    WHEN _t.oid = 1700 AND _b > 4 THEN 'numeric(' || ((_b - 4) >> 16) || ',' || ((_b - 4) & 65535) || ')'
    WHEN _t.oid = 1043 AND _b > 4 THEN 'character varying(' || (_b - 4) || ')'
    WHEN _t.oid = 1042 AND _b > 4 THEN 'character(' || (_b - 4) || ')'
    ELSE coalesce(_t.format_name, _t.typname) END
  FROM (SELECT _p.oid, _p.typname, _f.format_name FROM pgc.pg_type _p LEFT JOIN pgc.type_format_names _f ON _f.oid = _p.oid) _t
  WHERE _t.oid = _a);
CREATE MACRO pgx_information_schema_type(_a) AS (
  SELECT CASE WHEN _p.typcategory = 'A' THEN 'ARRAY' ELSE coalesce(_f.format_name, _p.typname) END
  FROM pgc.pg_type _p LEFT JOIN pgc.type_format_names _f ON _f.oid = _p.oid WHERE _p.oid = _a);
CREATE MACRO pgx_array_lower(_a, _b) AS CASE WHEN len(_a) > 0 THEN 1 END;
CREATE MACRO pgx_array_upper(_a, _b) AS CASE WHEN len(_a) > 0 THEN len(_a) END;
CREATE MACRO pgx_array_length(_a, _b) AS CASE WHEN len(_a) > 0 THEN len(_a) END;
CREATE MACRO pgx_array_ndims(_a) AS CASE WHEN len(_a) > 0 THEN 1 END;
CREATE MACRO pgx__pg_expandarray(_a) AS list_transform(generate_series(1, len(_a)), lambda _i: {'x': _a[_i], 'n': _i});
CREATE MACRO pgx_pg_tablespace_location(_a) AS '';
CREATE MACRO pgx_array_remove(_a, _b) AS list_filter(_a, lambda _e: _e IS DISTINCT FROM _b);
CREATE MACRO pgx_pg_statistics_obj_is_visible(_a) AS true;
CREATE MACRO pgx_pg_get_ruledef(_a) AS NULL::VARCHAR, (_a, _b) AS NULL::VARCHAR;
"""

# Functions whose names the translator prefixes with pgx_ (everything in MACROS, by name).
TABLE_MACRO_NAMES = frozenset(
    line.split("(")[0].removeprefix("CREATE MACRO pgx_tf_")
    for line in MACROS.splitlines()
    if line.startswith("CREATE MACRO pgx_tf_")
)
MACRO_NAMES = frozenset(
    line.split("(")[0].removeprefix("CREATE MACRO pgx_")
    for line in MACROS.splitlines()
    if line.startswith("CREATE MACRO pgx_")
)
