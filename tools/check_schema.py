#!/usr/bin/env python3
"""Checks that the PostgreSQL migrations build the schema the SQLite ones do.

Applies src/store/migrations/sqlite/*.sql in order to an in-memory SQLite
database and src/store/migrations/postgres/*.sql in order to a new database
on PostgreSQL, reads both catalogs back and fails (exit 1), naming each
difference, unless they agree on:
  - the tables, and each table's columns in order: name, type (INTEGER is
    BIGINT, TEXT is TEXT, BLOB is BYTEA), NOT NULL, default; an INTEGER
    PRIMARY KEY is an identity column (a foreign key column excepted);
  - primary keys, UNIQUE constraints, foreign keys with their ON DELETE;
  - every named index: unique or not, columns, partial predicate;
  - every trigger: timing, event, UPDATE OF columns, WHEN, and its body
    (the SQLite trigger's statements are the PL/pgSQL function's, less
    its RETURN NULL);
and unless both directories end at the same version and
src/store/meson.build embeds every file of both.

PostgreSQL: the cluster whose maintenance database SOCIALD_TEST_PG names,
else a throwaway one from scripts/pg.sh (about a second). Needs psql.

  tools/check_schema.py [repository root]    (Python 3, standard library)
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse

TYPES = {'INTEGER': 'bigint', 'TEXT': 'text', 'BLOB': 'bytea'}
ON_DELETE = {'a': 'NO ACTION', 'r': 'RESTRICT', 'c': 'CASCADE', 'n': 'SET NULL',
             'd': 'SET DEFAULT'}


def migrations(root, dialect):
    d = os.path.join(root, 'src', 'store', 'migrations', dialect)
    return [os.path.join(d, f) for f in sorted(os.listdir(d)) if re.match(r'\d{4}_.*\.sql$', f)]


def norm_expr(e):
    """An SQL expression in a form both catalogs give alike."""
    e = (e or '').lower()
    e = re.sub(r"::(text|bigint|integer)\b", '', e)
    # PostgreSQL prints x IN (a, b) as x = ANY (ARRAY[a, b]).
    e = re.sub(r"= any \(array\[([^\]]*)\]\)", r'in (\1)', e)
    e = re.sub(r'[()\s;]', '', e)
    return e


# ---- SQLite ----

def sqlite_schema(files):
    db = sqlite3.connect(':memory:')
    for f in files:
        with open(f, encoding='utf-8') as fh:
            db.executescript(fh.read())
    q = lambda sql, *a: db.execute(sql, a).fetchall()
    out = {'tables': {}, 'indexes': {}, 'triggers': {}}
    for (name, sql) in q("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                         "AND name NOT LIKE 'sqlite_%'"):
        cols = q(f'PRAGMA table_info("{name}")')
        pk = [c[1] for c in sorted((c for c in cols if c[5]), key=lambda c: c[5])]
        fks = {}
        for (fid, _seq, ref, frm, to, _upd, on_delete, _match) in q(f'PRAGMA foreign_key_list("{name}")'):
            f = fks.setdefault(fid, [[], ref, [], on_delete])
            f[0].append(frm)
            f[2].append(to)
        fk_cols = {c for f in fks.values() for c in f[0]}
        rowid = not re.search(r'\)\s*WITHOUT\s+ROWID\s*$', sql, re.I)
        columns = []
        for (_cid, cname, ctype, notnull, default, _pk) in cols:
            alias = rowid and pk == [cname] and ctype.upper() == 'INTEGER'
            columns.append({
                'name': cname,
                'type': TYPES.get(ctype.upper(), ctype),
                'notnull': bool(notnull) or cname in pk,
                'default': norm_expr(default) if default is not None else None,
                # A rowid alias is filled in when not given: an identity
                # column, unless it is a foreign key (always given).
                'identity': alias and cname not in fk_cols,
            })
        uniques = []
        for (_seq, iname, unique, origin, partial) in q(f'PRAGMA index_list("{name}")'):
            icols = [r[2] for r in q(f'PRAGMA index_info("{iname}")')]
            if origin == 'u':
                uniques.append(icols)
            elif origin == 'c':
                isql = q("SELECT sql FROM sqlite_master WHERE name = ?", iname)[0][0]
                m = re.search(r'\bWHERE\b(.*)$', isql, re.I | re.S)
                out['indexes'][iname] = {'table': name, 'unique': bool(unique), 'columns': icols,
                                         'where': norm_expr(m.group(1)) if m else ''}
        out['tables'][name] = {
            'columns': columns, 'pk': pk, 'uniques': sorted(uniques),
            'fks': sorted([f[0], f[1], f[2], f[3]] for f in fks.values()),
        }
    for (name, table, sql) in q("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"):
        m = re.match(r'CREATE\s+TRIGGER\s+\S+\s+(BEFORE|AFTER|INSTEAD\s+OF)\s+'
                     r'(INSERT|DELETE|UPDATE)(?:\s+OF\s+(.*?))?\s+ON\s+\S+\s+'
                     r'(?:FOR\s+EACH\s+ROW\s+)?(?:WHEN\s+(.*?)\s+)?BEGIN\b(.*)\bEND\s*$',
                     sql, re.I | re.S)
        if not m:
            raise SystemExit(f'check_schema: cannot read SQLite trigger {name}')
        timing, event, of, when, body = m.groups()
        out['triggers'][name] = {
            'table': table, 'timing': timing.upper(), 'event': event.upper(),
            'columns': [c.strip() for c in of.split(',')] if of else [],
            'when': norm_expr(when), 'body': norm_expr(body),
        }
    return out


# ---- PostgreSQL ----

CATALOG = r"""
SELECT json_build_object(
 'columns', (SELECT json_agg(json_build_object('table', table_name, 'name', column_name,
     'type', data_type, 'notnull', is_nullable = 'NO', 'default', column_default,
     'identity', is_identity = 'YES') ORDER BY table_name, ordinal_position)
   FROM information_schema.columns WHERE table_schema = 'public'),
 'indexes', (SELECT json_agg(json_build_object('table', t.relname, 'name', i.relname,
     'unique', x.indisunique, 'primary', x.indisprimary,
     'constraint', EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid
                           AND c.contype IN ('p', 'u')),
     'columns', (SELECT json_agg(a.attname ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum),
     'where', pg_get_expr(x.indpred, x.indrelid)))
   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
   JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = 'public'),
 'fks', (SELECT json_agg(json_build_object('table', t.relname, 'ref', r.relname,
     'columns', (SELECT json_agg(a.attname ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
     'refcolumns', (SELECT json_agg(a.attname ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum),
     'on_delete', c.confdeltype))
   FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
   JOIN pg_namespace s ON s.oid = t.relnamespace WHERE c.contype = 'f' AND s.nspname = 'public'),
 'triggers', (SELECT json_agg(json_build_object('table', t.relname, 'name', g.tgname,
     'type', g.tgtype,
     'columns', (SELECT json_agg(a.attname ORDER BY k.n) FROM unnest(g.tgattr::int2[]) WITH ORDINALITY k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = g.tgrelid AND a.attnum = k.attnum),
     'def', pg_get_triggerdef(g.oid), 'body', p.prosrc))
   FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_proc p ON p.oid = g.tgfoid
   JOIN pg_namespace s ON s.oid = t.relnamespace WHERE NOT g.tgisinternal AND s.nspname = 'public'))
"""


def psql(url, *args, stdin=None):
    r = subprocess.run(['psql', url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', *args], input=stdin,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f'check_schema: psql failed: {r.stderr.strip()}')
    return r.stdout


def pg_schema(url):
    c = json.loads(psql(url, '-At', '-c', CATALOG))
    out = {'tables': {}, 'indexes': {}, 'triggers': {}}
    for col in c['columns'] or []:
        t = out['tables'].setdefault(col['table'], {'columns': [], 'pk': [], 'uniques': [], 'fks': []})
        default = col['default']
        t['columns'].append({'name': col['name'], 'type': col['type'], 'notnull': col['notnull'],
                             'default': norm_expr(default) if default is not None else None,
                             'identity': col['identity']})
    for i in c['indexes'] or []:
        t = out['tables'][i['table']]
        if i['primary']:
            t['pk'] = i['columns']
        elif i['constraint']:
            t['uniques'].append(i['columns'])
        else:
            out['indexes'][i['name']] = {'table': i['table'], 'unique': i['unique'],
                                         'columns': i['columns'], 'where': norm_expr(i['where'])}
    for t in out['tables'].values():
        t['uniques'].sort()
    for f in c['fks'] or []:
        out['tables'][f['table']]['fks'].append(
            [f['columns'], f['ref'], f['refcolumns'], ON_DELETE[f['on_delete']]])
    for t in out['tables'].values():
        t['fks'].sort()
    for g in c['triggers'] or []:
        tg = g['type']  # pg_trigger.h: ROW 1, BEFORE 2, INSERT 4, DELETE 8, UPDATE 16, INSTEAD 64
        if not tg & 1:
            raise SystemExit(f"check_schema: trigger {g['name']} is not FOR EACH ROW")
        timing = 'INSTEAD OF' if tg & 64 else 'BEFORE' if tg & 2 else 'AFTER'
        events = [e for bit, e in ((4, 'INSERT'), (8, 'DELETE'), (16, 'UPDATE')) if tg & bit]
        m = re.search(r'\bWHEN\s+(.*)\s+EXECUTE\s+FUNCTION\b', g['def'], re.S)
        body = re.sub(r'^\s*BEGIN\b|\bRETURN\s+NULL\s*;\s*END\s*;?\s*$', '', g['body'].strip(), flags=re.I)
        out['triggers'][g['name']] = {
            'table': g['table'], 'timing': timing, 'event': ' OR '.join(events),
            'columns': g['columns'] or [], 'when': norm_expr(m.group(1)) if m else '',
            'body': norm_expr(body),
        }
    return out


# ---- comparison ----

# What one dialect has for a job the other does differently: PostgreSQL's
# change log (store/changelog.c; on SQLite the processes share a mapped
# file of stamps instead).
PG_ONLY = {'tables': {'change_log'}, 'indexes': {'change_log_at'}, 'triggers': set()}


def compare(lite, pg):
    errors = []
    err = errors.append
    for name in sorted(set(lite['tables']) | set(pg['tables'])):
        a, b = lite['tables'].get(name), pg['tables'].get(name)
        if not a and name in PG_ONLY['tables']:
            continue
        if not a or not b:
            err(f"table {name}: only in {'SQLite' if a else 'PostgreSQL'}")
            continue
        an = [c['name'] for c in a['columns']]
        bn = [c['name'] for c in b['columns']]
        if an != bn:
            err(f'table {name}: columns differ\n  SQLite:     {", ".join(an)}\n  PostgreSQL: {", ".join(bn)}')
        pgcols = {c['name']: c for c in b['columns']}
        for ca in a['columns']:
            cb = pgcols.get(ca['name'])
            if cb is None:
                continue
            for k in ('type', 'notnull', 'default', 'identity'):
                if ca[k] != cb[k]:
                    err(f"column {name}.{ca['name']}: {k} is {ca[k]!r} in SQLite, {cb[k]!r} in PostgreSQL")
        for k in ('pk', 'uniques', 'fks'):
            if a[k] != b[k]:
                err(f'table {name}: {k} differ\n  SQLite:     {a[k]}\n  PostgreSQL: {b[k]}')
    for kind in ('indexes', 'triggers'):
        for name in sorted(set(lite[kind]) | set(pg[kind])):
            a, b = lite[kind].get(name), pg[kind].get(name)
            if not a and name in PG_ONLY[kind]:
                continue
            if not a or not b:
                err(f"{kind[:-1] if kind == 'triggers' else 'index'} {name}: only in "
                    f"{'SQLite' if a else 'PostgreSQL'}")
                continue
            for k in a:
                if a[k] != b[k]:
                    err(f"{'trigger' if kind == 'triggers' else 'index'} {name}: {k} differs\n"
                        f'  SQLite:     {a[k]}\n  PostgreSQL: {b[k]}')
    return errors


def check_files(root, lite_files, pg_files):
    errors = []
    version = lambda f: int(os.path.basename(f)[:4])
    if not pg_files:
        return ['no PostgreSQL migrations']
    if version(lite_files[-1]) != version(pg_files[-1]):
        errors.append(f'the last migrations differ in version: {os.path.basename(lite_files[-1])} '
                      f'(SQLite), {os.path.basename(pg_files[-1])} (PostgreSQL)')
    with open(os.path.join(root, 'src', 'store', 'meson.build'), encoding='utf-8') as fh:
        meson = fh.read()
    for f in lite_files + pg_files:
        rel = os.path.relpath(f, os.path.join(root, 'src', 'store'))
        if f"'{rel}'" not in meson:
            errors.append(f'src/store/meson.build does not embed {rel}')
    return errors


def database_url(maint, name):
    """The URL maint (a libpq URL) with database name instead of its own."""
    u = urllib.parse.urlsplit(maint)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, '/' + name, u.query, u.fragment))


def with_database(root, fn):
    """Calls fn(url) with a new, empty database; drops it afterwards."""
    maint = os.environ.get('SOCIALD_TEST_PG')
    pgdir = None
    if not maint:
        # pg.sh takes the empty directory (and, as root, gives it to the
        # postgres user); a failed start or a stop removes it.
        pgdir = tempfile.mkdtemp(prefix='sociald-schema-')
        r = subprocess.run(['bash', os.path.join(root, 'scripts', 'pg.sh'), 'start', pgdir],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f'check_schema: scripts/pg.sh start failed: {r.stderr.strip()}')
        maint = r.stdout.strip()
    name = f'sd_schema_{os.getpid()}'
    try:
        psql(maint, '-c', f'CREATE DATABASE {name}')
        try:
            return fn(database_url(maint, name))
        finally:
            psql(maint, '-c', f'DROP DATABASE IF EXISTS {name}')
    finally:
        if pgdir:
            subprocess.run(['bash', os.path.join(root, 'scripts', 'pg.sh'), 'stop', pgdir],
                           capture_output=True)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
    lite_files, pg_files = migrations(root, 'sqlite'), migrations(root, 'postgres')
    errors = check_files(root, lite_files, pg_files)
    lite = sqlite_schema(lite_files)

    def load(url):
        for f in pg_files:
            psql(url, '-f', f)
        return pg_schema(url)

    pg = with_database(root, load)
    errors += compare(lite, pg)
    for e in errors:
        print(f'check_schema: {e}', file=sys.stderr)
    if errors:
        return 1
    print(f"check_schema: {len(lite['tables'])} tables, {len(lite['indexes'])} indexes and "
          f"{len(lite['triggers'])} triggers agree (migrations up to "
          f'{os.path.basename(pg_files[-1])[:4]})', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
