#!/usr/bin/env python3
"""Check that the PostgreSQL migrations build the same schema as the SQLite ones.

Applies crates/wt-store/src/sqlite/migrations/*.sql to an in-memory SQLite database
(python's sqlite3) and crates/wt-store/src/postgres/migrations/*.sql to a fresh temporary
PostgreSQL database (created and dropped here, through the `psql` binary), then compares:

  - table names; column names and order; nullability; declared types (INTEGER -> bigint,
    TEXT -> text, REAL -> double precision, BLOB -> bytea); defaults; primary keys;
  - the set of named indexes (with their columns, uniqueness and partial WHERE), unique
    constraints, foreign keys (with ON DELETE), CHECK constraints, triggers;
  - PostgreSQL-only rules: every text column has collation "C", no integer column is
    smaller than bigint;
  - behaviour: audit_log (and ingest_events) refuse UPDATE / DELETE / TRUNCATE, a row
    inserted without a column list lands in the right columns, rowid-alias keys are
    assigned, and text range scans / ORDER BY follow byte order as in SQLite.

Server: $WT_TEST_DATABASE_URL if set, else postgres://postgres@127.0.0.1:5432/postgres
(the database in the URL is only used to CREATE / DROP the temporary one).

Exit status: 0 equivalent, 1 any mismatch (a PostgreSQL migration that fails to apply
counts as one), 2 the check itself could not run (no psql, server unreachable, ...).
Standard library only (Python 3.11) plus `psql`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SQLITE_DIR = ROOT / "crates/wt-store/src/sqlite/migrations"
PG_DIR = ROOT / "crates/wt-store/src/postgres/migrations"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"

# SQLite declared type -> the PostgreSQL type its twin must have.
TYPE_MAP = {
    "INTEGER": "bigint",
    "TEXT": "text",
    "REAL": "double precision",
    "BLOB": "bytea",
}
PG_TEXT_TYPES = ("text", "character varying", "character", '"char"', "name")
PG_SMALL_INTS = ("smallint", "integer")
# Triggers PostgreSQL needs beyond SQLite's: TRUNCATE (absent in SQLite) skips row triggers.
PG_EXTRA_TRIGGERS_OK = re.compile(r"^[a-z_]+_no_truncate$")

# Rows written before a migration runs, in both databases, so its data-migrating statements
# (0007's backfill of audit_actions, the defaults 0008 / 0009 give existing orgs) are checked.
SEED_BEFORE = {
    "0007_audit_actions.sql": [
        "INSERT INTO orgs (id, slug, name, created_at) VALUES "
        "('org_seed1', 'seed1', 'Seed 1', 0), ('org_seed2', 'seed2', 'Seed 2', 0)",
        "INSERT INTO audit_log (org_id, seq, occurred_at, actor_type, action, outcome, details, prev_hash, hash) "
        "VALUES ('org_seed1', 1, 't1', 'system', 'auth.login', 'success', '{}', 'p', 'h1'), "
        "('org_seed1', 2, 't2', 'system', 'auth.login', 'success', '{}', 'h1', 'h2'), "
        "('org_seed1', 3, 't3', 'system', 'key.created', 'success', '{}', 'h2', 'h3'), "
        "('org_seed2', 1, 't1', 'system', 'auth.logout', 'success', '{}', 'p', 'h1')",
    ],
}
SEED_QUERIES = [
    "SELECT org_id, action FROM audit_actions WHERE org_id LIKE 'org_seed%' ORDER BY org_id, action",
    "SELECT id, browser_ingest, readiness_settings FROM orgs WHERE id LIKE 'org_seed%' ORDER BY id",
]

ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


class CheckError(Exception):
    """The check could not run (not a schema mismatch)."""


class MigrationFailed(Exception):
    """A PostgreSQL migration did not apply: a mismatch, not an inability to check."""


def migrations(d: Path) -> list[Path]:
    files = sorted(d.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    if not files:
        raise CheckError(f"no migrations in {d}")
    return files


# --------------------------------------------------------------------------- SQLite side


def strip_strict(sql: str) -> str:
    # ") STRICT;" / ") STRICT, WITHOUT ROWID;" / ") WITHOUT ROWID, STRICT;"
    sql = re.sub(r"\)\s*STRICT\s*,\s*WITHOUT\s+ROWID\s*;", ") WITHOUT ROWID;", sql, flags=re.I)
    sql = re.sub(r"\)\s*WITHOUT\s+ROWID\s*,\s*STRICT\s*;", ") WITHOUT ROWID;", sql, flags=re.I)
    return re.sub(r"\)\s*STRICT\s*;", ");", sql, flags=re.I)


def string_literals(s: str) -> list[str]:
    return [m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", s)]


def balanced(s: str, start: int) -> str:
    """The text inside the parenthesis opening at s[start]."""
    depth, i, in_str = 0, start, False
    while i < len(s):
        ch = s[i]
        if in_str:
            if ch == "'":
                in_str = False
        elif ch == "'":
            in_str = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return s[start + 1 : i]
        i += 1
    raise CheckError(f"unbalanced parenthesis in: {s[start:start + 80]}")


def check_key(expr: str, columns: list[str]) -> tuple:
    """A CHECK compared by the columns it names and the literals it lists."""
    bare = re.sub(r"'(?:[^']|'')*'", " ", expr)
    idents = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", bare))
    cols = tuple(sorted(c for c in columns if c in idents))
    return (cols, tuple(sorted(string_literals(expr))))


def norm_default(d: str | None) -> str | None:
    if d is None:
        return None
    d = d.strip()
    d = re.sub(r"::(text|bigint|integer|smallint|double precision|bytea|character varying)\b", "", d)
    while d.startswith("(") and d.endswith(")"):
        d = d[1:-1].strip()
    return d


def norm_pred(p: str | None) -> str | None:
    if p is None:
        return None
    return re.sub(r"[\s()]", "", p).lower()


def sqlite_schema() -> tuple[dict, list[str], sqlite3.Connection]:
    notes = []
    strict_ok = sqlite3.sqlite_version_info >= (3, 37, 0)
    if strict_ok:
        notes.append(f"SQLite {sqlite3.sqlite_version} (python sqlite3): STRICT supported, "
                     "migrations applied as written")
    else:
        notes.append(f"SQLite {sqlite3.sqlite_version} (python sqlite3) predates STRICT (3.37): "
                     "STRICT stripped before applying; PRIMARY KEY columns of tables declared "
                     "STRICT are still treated as NOT NULL")
    con = sqlite3.connect(":memory:")
    con.isolation_level = None
    declared_strict: set[str] = set()
    for f in migrations(SQLITE_DIR):
        sql = f.read_text()
        for m in re.finditer(r"CREATE\s+TABLE\s+(\w+)\s*\(", sql, re.I):
            tail = sql[m.end() - 1 :]
            body = balanced(tail, 0)
            after = tail[len(body) + 2 : len(body) + 40]
            if re.match(r"\s*(WITHOUT\s+ROWID\s*,\s*)?STRICT", after, re.I):
                declared_strict.add(m.group(1))
        if not strict_ok:
            sql = strip_strict(sql)
        for stmt in SEED_BEFORE.get(f.name, []):
            con.execute(stmt)
        try:
            con.executescript(sql)
        except sqlite3.Error as e:
            raise CheckError(f"SQLite: {f.name} failed: {e}") from e

    table_list = {}
    if strict_ok:
        for _schema, name, kind, _ncol, wr, strict in con.execute("PRAGMA table_list"):
            table_list[name] = (kind, bool(wr), bool(strict))

    tables = {}
    for (name, sql) in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall():
        info = con.execute(f"PRAGMA table_info({name})").fetchall()
        colnames = [r[1] for r in info]
        pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        _kind, without_rowid, strict = table_list.get(name, ("table", False, name in declared_strict))
        strict = strict or name in declared_strict
        rowid_alias = (
            not without_rowid and len(pk) == 1
            and next(r[2] for r in info if r[1] == pk[0]).upper() == "INTEGER"
        )
        cols = []
        for cid, cname, ctype, notnull, dflt, pkpos in info:
            # STRICT and WITHOUT ROWID tables refuse NULL in PRIMARY KEY columns; a rowid
            # alias is never NULL (a NULL insert assigns the next rowid).
            never_null = bool(notnull) or (pkpos > 0 and (strict or without_rowid or rowid_alias))
            cols.append({
                "name": cname,
                "type": ctype.upper(),
                "notnull": never_null,
                "default": norm_default(dflt),
                "auto": rowid_alias and cname == pk[0],
            })
        indexes, uniques = {}, []
        for _seq, iname, unique, origin, partial in con.execute(f"PRAGMA index_list({name})"):
            icols = [r[2] for r in con.execute(f"PRAGMA index_info({iname})")]
            if origin == "u":
                uniques.append(tuple(icols))
            elif origin == "c":
                isql = con.execute("SELECT sql FROM sqlite_master WHERE name = ?", (iname,)).fetchone()[0]
                m = re.search(r"\bWHERE\b(.*)$", isql, re.I | re.S)
                indexes[iname] = {
                    "columns": icols,
                    "unique": bool(unique),
                    "predicate": norm_pred(m.group(1).strip().rstrip(";")) if m else None,
                }
        fks = {}
        for fid, _seq, rtable, frm, to, _onupd, ondel, _match in con.execute(
            f"PRAGMA foreign_key_list({name})"
        ):
            e = fks.setdefault(fid, {"cols": [], "ref": rtable, "refcols": [], "on_delete": ondel})
            e["cols"].append(frm)
            e["refcols"].append(to)
        fk_keys = []
        for e in fks.values():
            if any(c is None for c in e["refcols"]):  # REFERENCES t without columns: its PK
                rinfo = con.execute(f"PRAGMA table_info({e['ref']})").fetchall()
                e["refcols"] = [r[1] for r in sorted((r for r in rinfo if r[5]), key=lambda r: r[5])]
            fk_keys.append((tuple(e["cols"]), e["ref"], tuple(e["refcols"]), e["on_delete"].upper()))
        checks = []
        for m in re.finditer(r"\bCHECK\s*\(", sql, re.I):
            expr = balanced(sql, m.end() - 1)
            checks.append(check_key(expr, colnames))
        tables[name] = {
            "columns": cols,
            "pk": pk,
            "indexes": indexes,
            "uniques": sorted(uniques),
            "fks": sorted(fk_keys),
            "checks": sorted(checks),
            "triggers": {},
        }
    for tname, tbl, tsql in con.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
    ):
        m = re.search(r"\b(BEFORE|AFTER|INSTEAD\s+OF)\s+(INSERT|UPDATE|DELETE)\b", tsql, re.I)
        msg = re.search(r"RAISE\s*\(\s*\w+\s*,\s*'((?:[^']|'')*)'", tsql, re.I)
        tables[tbl]["triggers"][tname] = {
            "timing": m.group(1).upper(),
            "event": m.group(2).upper(),
            "level": "ROW",
            "message": msg.group(1) if msg else None,
        }
    return tables, notes, con


# ----------------------------------------------------------------------- PostgreSQL side


class Pg:
    def __init__(self, url: str):
        self.server_url = url
        self.db = f"wt_schema_check_{os.getpid()}_{secrets.token_hex(4)}"
        self.url = self._with_db(url, self.db)

    @staticmethod
    def _with_db(url: str, db: str) -> str:
        if re.match(r"^postgres(ql)?://", url):
            p = urlsplit(url)
            return urlunsplit((p.scheme, p.netloc, "/" + db, p.query, p.fragment))
        return f"{url} dbname={db}"  # keyword=value conninfo: the last dbname wins

    @staticmethod
    def shown(url: str) -> str:
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)

    @staticmethod
    def psql(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = dict(os.environ, PGCONNECT_TIMEOUT=os.environ.get("PGCONNECT_TIMEOUT", "10"))
        p = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, *args],
            capture_output=True, text=True, env=env,
        )
        if check and p.returncode != 0:
            raise CheckError(f"psql failed ({p.returncode}): {p.stderr.strip()}")
        return p

    def sql(self, query: str, *, check: bool = True) -> subprocess.CompletedProcess:
        return self.psql(self.url, "-At", "-c", query, check=check)

    def create(self) -> None:
        self.psql(self.server_url, "-c", f'CREATE DATABASE "{self.db}"')

    def drop(self) -> None:
        p = self.psql(self.server_url, "-c", f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)', check=False)
        if p.returncode != 0:  # servers before 13 have no WITH (FORCE)
            self.psql(self.server_url, "-c", f'DROP DATABASE IF EXISTS "{self.db}"', check=False)

    def apply(self, f: Path) -> None:
        # As the Rust code runs it: the whole file as one multi-statement batch (a single
        # simple-protocol Query, so no psql meta-commands), inside a transaction.
        text = f.read_text()
        meta = [ln for ln in text.splitlines() if ln.lstrip().startswith("\\")]
        if meta:  # psql would run these itself (or run a leading one instead of the file)
            raise MigrationFailed(f"{f.name}: psql meta-command(s), not SQL: {meta}")
        for stmt in SEED_BEFORE.get(f.name, []):
            self.sql(stmt)
        p = self.psql(self.url, "-1", "-c", text, check=False)
        if p.returncode != 0:
            raise MigrationFailed(f"{f.name}: {p.stderr.strip()}")


PG_CATALOG_QUERY = r"""
WITH t AS (
    SELECT c.oid, c.relname FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
)
SELECT coalesce(json_object_agg(t.relname, json_build_object(
    'columns', (SELECT json_agg(json_build_object(
            'name', a.attname,
            'type', format_type(a.atttypid, a.atttypmod),
            'notnull', a.attnotnull,
            'collation', co.collname,
            'default', pg_get_expr(d.adbin, d.adrelid),
            'identity', a.attidentity) ORDER BY a.attnum)
        FROM pg_attribute a
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped),
    'constraints', (SELECT coalesce(json_agg(json_build_object(
            'name', k.conname,
            'type', k.contype,
            'columns', (SELECT json_agg(a.attname ORDER BY u.ord)
                        FROM unnest(k.conkey) WITH ORDINALITY u(n, ord)
                        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n),
            'ref', (SELECT relname FROM pg_class WHERE oid = k.confrelid),
            'refcols', (SELECT json_agg(a.attname ORDER BY u.ord)
                        FROM unnest(k.confkey) WITH ORDINALITY u(n, ord)
                        JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n),
            'on_delete', k.confdeltype,
            'def', pg_get_constraintdef(k.oid))), '[]'::json)
        FROM pg_constraint k WHERE k.conrelid = t.oid),
    'indexes', (SELECT coalesce(json_agg(json_build_object(
            'name', ic.relname,
            'unique', i.indisunique,
            'constraint', EXISTS (SELECT 1 FROM pg_constraint k
                                  WHERE k.conrelid = t.oid AND k.conindid = i.indexrelid
                                    AND k.contype IN ('p', 'u', 'x')),
            'columns', (SELECT json_agg(coalesce(a.attname, '<expr>') ORDER BY u.ord)
                        FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(n, ord)
                        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = u.n),
            'predicate', pg_get_expr(i.indpred, i.indrelid))), '[]'::json)
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = t.oid),
    'triggers', (SELECT coalesce(json_agg(json_build_object(
            'name', g.tgname,
            'type', g.tgtype,
            'source', p.prosrc)), '[]'::json)
        FROM pg_trigger g JOIN pg_proc p ON p.oid = g.tgfoid
        WHERE g.tgrelid = t.oid AND NOT g.tgisinternal)
)), '{}'::json)
FROM t
"""


def pg_schema(pg: Pg) -> dict:
    raw = json.loads(pg.sql(PG_CATALOG_QUERY).stdout)
    tables = {}
    for name, t in raw.items():
        cons = t["constraints"]
        colnames = [c["name"] for c in t["columns"]]
        pk = next((c["columns"] for c in cons if c["type"] == "p"), [])
        triggers = {}
        for g in t["triggers"]:
            ty = g["type"]
            timing = "BEFORE" if ty & 2 else ("INSTEAD OF" if ty & 64 else "AFTER")
            event = "/".join(e for bit, e in ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE")) if ty & bit)
            triggers[g["name"]] = {
                "timing": timing, "event": event, "level": "ROW" if ty & 1 else "STATEMENT",
                "source": g["source"],
            }
        tables[name] = {
            "columns": t["columns"],
            "pk": pk,
            "indexes": {
                i["name"]: {"columns": i["columns"], "unique": i["unique"], "predicate": norm_pred(i["predicate"])}
                for i in t["indexes"] if not i["constraint"]
            },
            "uniques": sorted(tuple(c["columns"]) for c in cons if c["type"] == "u"),
            "fks": sorted(
                (tuple(c["columns"]), c["ref"], tuple(c["refcols"]), ON_DELETE[c["on_delete"]])
                for c in cons if c["type"] == "f"
            ),
            "checks": sorted(check_key(c["def"], colnames) for c in cons if c["type"] == "c"),
            "triggers": triggers,
        }
    return tables


# ---------------------------------------------------------------------------- comparison


class Report:
    def __init__(self) -> None:
        self.failures = 0

    def section(self, title: str, problems: list[str], ok_note: str = "") -> None:
        if problems:
            self.failures += len(problems)
            print(f"[MISMATCH] {title}")
            for p in problems:
                print(f"    - {p}")
        else:
            print(f"[ok]       {title}{(': ' + ok_note) if ok_note else ''}")


def fmt(x) -> str:
    if isinstance(x, (list, tuple)):
        return "(" + ", ".join(fmt(i) for i in x) + ")"
    return str(x)


def multiset_diff(label: str, table: str, lite: list, pg: list) -> list[str]:
    out = []
    a, b = Counter(lite), Counter(pg)
    for k in sorted((a - b).elements(), key=str):
        out.append(f"{table}: {label} {fmt(k)} in SQLite only")
    for k in sorted((b - a).elements(), key=str):
        out.append(f"{table}: {label} {fmt(k)} in PostgreSQL only")
    return out


def compare(lite: dict, pg: dict, rep: Report) -> None:
    lt, pt = set(lite), set(pg)
    probs = [f"table {t} in SQLite only" for t in sorted(lt - pt)]
    probs += [f"table {t} in PostgreSQL only" for t in sorted(pt - lt)]
    rep.section("table names", probs, f"{len(lt & pt)} tables in both")
    common = sorted(lt & pt)

    probs = []
    for t in common:
        a = [c["name"] for c in lite[t]["columns"]]
        b = [c["name"] for c in pg[t]["columns"]]
        if a != b:
            probs.append(f"{t}:\n        SQLite     {', '.join(a)}\n        PostgreSQL {', '.join(b)}")
    rep.section("column names and order", probs,
                f"{sum(len(lite[t]['columns']) for t in common)} columns")

    probs = []
    for t in common:
        pcols = {c["name"]: c for c in pg[t]["columns"]}
        for c in lite[t]["columns"]:
            p = pcols.get(c["name"])
            if p and c["notnull"] != p["notnull"]:
                probs.append(f"{t}.{c['name']}: SQLite {'NOT NULL' if c['notnull'] else 'NULL'}, "
                             f"PostgreSQL {'NOT NULL' if p['notnull'] else 'NULL'}")
    rep.section("nullability", probs)

    probs = []
    for t in common:
        pcols = {c["name"]: c for c in pg[t]["columns"]}
        for c in lite[t]["columns"]:
            p = pcols.get(c["name"])
            if not p:
                continue
            want = TYPE_MAP.get(c["type"])
            if want is None:
                probs.append(f"{t}.{c['name']}: SQLite type {c['type']!r} has no mapping here")
            elif p["type"] != want:
                probs.append(f"{t}.{c['name']}: SQLite {c['type']} wants {want}, PostgreSQL has {p['type']}")
    rep.section("column types (INTEGER->bigint, TEXT->text, REAL->double precision, BLOB->bytea)", probs)

    probs = []
    for t in sorted(pg):
        for p in pg[t]["columns"]:
            base = p["type"].split("(")[0]
            if base in PG_TEXT_TYPES and p["collation"] != "C":
                probs.append(f"{t}.{p['name']}: {p['type']} with collation {p['collation']!r}, not \"C\"")
    rep.section('every PostgreSQL text column has COLLATE "C"', probs)

    probs = []
    for t in sorted(pg):
        for p in pg[t]["columns"]:
            if p["type"] in PG_SMALL_INTS:
                probs.append(f"{t}.{p['name']}: {p['type']} is smaller than bigint")
    rep.section("no PostgreSQL integer column smaller than bigint", probs)

    probs = []
    for t in common:
        pcols = {c["name"]: c for c in pg[t]["columns"]}
        for c in lite[t]["columns"]:
            p = pcols.get(c["name"])
            if not p:
                continue
            pd = norm_default(p["default"])
            if c["default"] != pd:
                probs.append(f"{t}.{c['name']}: default SQLite {c['default']}, PostgreSQL {pd}")
            p_auto = p["identity"] in ("a", "d")
            if c["auto"] != p_auto:
                probs.append(f"{t}.{c['name']}: assigned key (rowid alias / identity): "
                             f"SQLite {c['auto']}, PostgreSQL {p_auto}")
            if p["identity"] == "a":
                probs.append(f"{t}.{c['name']}: GENERATED ALWAYS refuses explicit values; "
                             "SQLite accepts them (use BY DEFAULT)")
    rep.section("defaults (and rowid alias <-> identity)", probs)

    probs = []
    for t in common:
        if lite[t]["pk"] != pg[t]["pk"]:
            probs.append(f"{t}: SQLite {fmt(lite[t]['pk'])}, PostgreSQL {fmt(pg[t]['pk'])}")
    rep.section("primary keys", probs)

    probs = []
    a = {i: t for t in lite for i in lite[t]["indexes"]}
    b = {i: t for t in pg for i in pg[t]["indexes"]}
    probs += [f"index {i} (on {a[i]}) in SQLite only" for i in sorted(set(a) - set(b))]
    probs += [f"index {i} (on {b[i]}) in PostgreSQL only" for i in sorted(set(b) - set(a))]
    for i in sorted(set(a) & set(b)):
        x, y = lite[a[i]]["indexes"][i], pg[b[i]]["indexes"][i]
        if a[i] != b[i]:
            probs.append(f"index {i}: on {a[i]} in SQLite, on {b[i]} in PostgreSQL")
        for k in ("columns", "unique", "predicate"):
            if x[k] != y[k]:
                probs.append(f"index {i}: {k} SQLite {fmt(x[k])}, PostgreSQL {fmt(y[k])}")
    rep.section("named indexes (names, columns, uniqueness, partial WHERE)", probs,
                f"{len(set(a) & set(b))} indexes: {', '.join(sorted(a))}")

    probs = []
    for t in common:
        probs += multiset_diff("UNIQUE", t, lite[t]["uniques"], pg[t]["uniques"])
    rep.section("unique constraints", probs, f"{sum(len(lite[t]['uniques']) for t in common)}")

    probs = []
    for t in common:
        probs += multiset_diff("FOREIGN KEY (cols, table, refcols, on delete)", t, lite[t]["fks"], pg[t]["fks"])
    rep.section("foreign keys (with ON DELETE)", probs, f"{sum(len(lite[t]['fks']) for t in common)}")

    probs = []
    for t in common:
        probs += multiset_diff("CHECK (columns, literals)", t, lite[t]["checks"], pg[t]["checks"])
    rep.section("CHECK constraints (by columns and literal values)", probs,
                f"{sum(len(lite[t]['checks']) for t in common)}")

    probs, extras = [], []
    for t in common:
        lt_, pt_ = lite[t]["triggers"], pg[t]["triggers"]
        for n, x in sorted(lt_.items()):
            y = pt_.get(n)
            if not y:
                probs.append(f"{t}: trigger {n} in SQLite only")
                continue
            if (x["timing"], x["event"], x["level"]) != (y["timing"], y["event"], y["level"]):
                probs.append(f"{t}: trigger {n}: SQLite {x['timing']} {x['event']} FOR EACH {x['level']}, "
                             f"PostgreSQL {y['timing']} {y['event']} FOR EACH {y['level']}")
            if x["message"] and x["message"] not in y["source"]:
                probs.append(f"{t}: trigger {n}: message {x['message']!r} not raised by its function")
        for n, y in sorted(pt_.items()):
            if n in lt_:
                continue
            if PG_EXTRA_TRIGGERS_OK.match(n) and y["event"] == "TRUNCATE":
                extras.append(f"{t}.{n}")
            else:
                probs.append(f"{t}: trigger {n} in PostgreSQL only")
    n = sum(len(lite[t]["triggers"]) for t in common)
    rep.section("triggers (names, timing, event, message)", probs,
                f"{n} SQLite triggers matched; PostgreSQL-only TRUNCATE guards: {', '.join(extras) or 'none'}")


# ----------------------------------------------------------------------------- behaviour

AUDIT_ROW = ("'org_a', 1, '2026-01-01T00:00:00Z', 'user', 'usr_1', 'o@a.test', 'auth.login.succeeded', "
             "'session', 'ses_1', '10.0.0.1', 'check', 'success', '{}', 'p', 'h'")
AUDIT_COLS = ["org_id", "seq", "occurred_at", "actor_type", "actor_id", "actor_email", "action",
              "target_type", "target_id", "ip", "user_agent", "outcome", "details", "prev_hash", "hash"]
ACTIONS = ["auth.login", "auth/x", "auth-x", "auth_x", "authz", "Auth.login", "auth.", "auth",
           "auth.\u00e9", "audit.x", "a", "B", "b", "\u00c9"]
RANGE = "action >= 'auth.' AND action < 'auth/'"


def behaviour(pg: Pg, lite: sqlite3.Connection, rep: Report) -> None:
    for title, part in (
        ("behaviour: audit_log refuses UPDATE / DELETE (and TRUNCATE) in PostgreSQL", behaviour_audit),
        ("behaviour: ingest_events seq assigned and append-only, health_probe upsert", behaviour_ingest),
        ("behaviour: text range scan and ORDER BY are bytewise in both", behaviour_order),
        ("data migrations: rows seeded before 0007 migrate the same in both", behaviour_seeded),
    ):
        try:
            probs, note = part(pg, lite)
        except (CheckError, sqlite3.Error, ValueError, KeyError) as e:
            probs, note = [f"could not run: {e}"], ""
        rep.section(title, probs, note)


def behaviour_audit(pg: Pg, lite: sqlite3.Connection) -> tuple[list[str], str]:
    probs = []
    setup = [
        "INSERT INTO orgs (id, slug, name, created_at) VALUES ('org_a', 'a', 'A', 0)",
        f"INSERT INTO audit_log VALUES ({AUDIT_ROW})",  # no column list: order matters
    ]
    pg.sql("; ".join(setup))
    for s in setup:
        lite.execute(s)
    got = pg.sql("SELECT row_to_json(a) FROM audit_log a WHERE org_id = 'org_a'").stdout.strip()
    row = json.loads(got)
    want = dict(zip(AUDIT_COLS, [v.strip().strip("'") for v in AUDIT_ROW.split(", ")]))
    want["seq"] = 1
    if row != want:
        probs.append(f"audit_log row inserted without a column list reads back as {row}")

    for stmt in ("UPDATE audit_log SET outcome = 'failure'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        p = pg.sql(stmt, check=False)
        if p.returncode == 0:
            probs.append(f"PostgreSQL accepted: {stmt}")
        elif "audit entries are append-only" not in p.stderr:
            probs.append(f"PostgreSQL refused {stmt!r} but not with the trigger's message: {p.stderr.strip()}")
        if stmt.startswith("TRUNCATE"):
            continue
        try:
            lite.execute(stmt)
            probs.append(f"SQLite accepted: {stmt}")
        except sqlite3.DatabaseError as e:
            if "audit entries are append-only" not in str(e):
                probs.append(f"SQLite refused {stmt!r} with an unexpected error: {e}")
    n = pg.sql("SELECT count(*) FROM audit_log WHERE org_id = 'org_a' AND outcome = 'success'").stdout.strip()
    if n != "1":
        probs.append(f"audit_log holds {n} unchanged rows after the refused writes, not 1")
    return probs, "insert ok; UPDATE, DELETE, TRUNCATE each failed with 'audit entries are append-only'"


def behaviour_ingest(pg: Pg, lite: sqlite3.Connection) -> tuple[list[str], str]:
    probs = []
    ins = ("INSERT INTO ingest_events (org_id, key_id, environment, received_at, payload) "
           "VALUES ('org_a', 'key_1', 'sandbox', 0, '{}')")
    pg_seqs = [pg.sql(ins + " RETURNING seq").stdout.strip() for _ in range(2)]
    lite_seqs = [str(lite.execute(ins + " RETURNING seq").fetchone()[0]) for _ in range(2)]
    if pg_seqs != lite_seqs:
        probs.append(f"ingest_events.seq assigned: SQLite {lite_seqs}, PostgreSQL {pg_seqs}")
    for stmt in ("UPDATE ingest_events SET payload = 'x'", "DELETE FROM ingest_events", "TRUNCATE ingest_events"):
        p = pg.sql(stmt, check=False)
        if p.returncode == 0 or "ingested events are append-only" not in p.stderr:
            probs.append(f"PostgreSQL did not refuse {stmt!r} as append-only: {p.stderr.strip() or 'accepted'}")
    probe = ("INSERT INTO health_probe (id, at) VALUES (1, {}) "
             "ON CONFLICT (id) DO UPDATE SET at = excluded.at")
    for v in (5, 6):
        pg.sql(probe.format(v))
        lite.execute(probe.format(v))
    a = pg.sql("SELECT id || ',' || at FROM health_probe").stdout.strip()
    b = ",".join(map(str, lite.execute("SELECT id, at FROM health_probe").fetchone()))
    if a != b:
        probs.append(f"health_probe upsert: SQLite {b}, PostgreSQL {a}")
    return probs, f"seq {', '.join(pg_seqs)} in both"


def behaviour_seeded(pg: Pg, lite: sqlite3.Connection) -> tuple[list[str], str]:
    probs, shown = [], []
    for q in SEED_QUERIES:
        a = [list(r) for r in lite.execute(q)]
        # json (not jsonb) keeps the select list's order in each row object
        b = [list(r.values()) for r in json.loads(pg.sql(f"SELECT coalesce(json_agg(s), '[]') FROM ({q}) s").stdout)]
        if a != b:
            probs.append(f"{q}\n        SQLite     {a}\n        PostgreSQL {b}")
        shown.append(str(a))
    return probs, "; ".join(shown)


def behaviour_order(pg: Pg, lite: sqlite3.Connection) -> tuple[list[str], str]:
    probs = []
    values = ", ".join("('org_a', '{}')".format(x.replace("'", "''")) for x in ACTIONS)
    pg.sql(f"INSERT INTO audit_actions (org_id, action) VALUES {values}")
    lite.execute(f"INSERT INTO audit_actions (org_id, action) VALUES {values}")
    for q in (f"SELECT action FROM audit_actions WHERE org_id = 'org_a' AND {RANGE} ORDER BY action",
              "SELECT action FROM audit_actions WHERE org_id = 'org_a' ORDER BY action"):
        a = [r[0] for r in lite.execute(q)]
        b = json.loads(pg.sql(f"SELECT coalesce(json_agg(action), '[]') FROM ({q}) s").stdout)
        if a != b:
            probs.append(f"{q}\n        SQLite     {a}\n        PostgreSQL {b}")
    got = [r[0] for r in lite.execute(f"SELECT action FROM audit_actions WHERE org_id = 'org_a' AND {RANGE} ORDER BY action")]
    return probs, f"{RANGE} -> {got}"


# ---------------------------------------------------------------------------------- main


def main() -> int:
    if sys.version_info < (3, 11):
        print("needs Python 3.11+", file=sys.stderr)
        return 2
    if not shutil.which("psql"):
        print("psql not found on PATH", file=sys.stderr)
        return 2
    url = os.environ.get("WT_TEST_DATABASE_URL") or DEFAULT_URL
    lite_files, pg_files = migrations(SQLITE_DIR), migrations(PG_DIR)
    rep = Report()
    rep.section("migration file names", [
        *(f"{f} has no PostgreSQL twin" for f in sorted({f.name for f in lite_files} - {f.name for f in pg_files})),
        *(f"{f} has no SQLite original" for f in sorted({f.name for f in pg_files} - {f.name for f in lite_files})),
    ], f"{len(lite_files)} in both")

    lite, notes, lite_con = sqlite_schema()
    for n in notes:
        print(f"           {n}")

    pg = Pg(url)
    pg.create()
    try:
        version = pg.sql("SHOW server_version").stdout.strip()
        print(f"           PostgreSQL {version}: temporary database {pg.db} on {Pg.shown(url)}")
        try:
            for f in pg_files:
                pg.apply(f)
        except MigrationFailed as e:
            rep.section("PostgreSQL migrations apply (each file one batch, one transaction)", [str(e)])
        else:
            print(f"           applied {', '.join(f.name for f in pg_files)} (each one batch, one transaction)")
            pgs = pg_schema(pg)
            compare(lite, pgs, rep)
            behaviour(pg, lite_con, rep)
    finally:
        pg.drop()
        print(f"           dropped {pg.db}")

    if rep.failures:
        print(f"\nNOT EQUIVALENT: {rep.failures} mismatch(es)")
        return 1
    print("\nEQUIVALENT: the PostgreSQL migrations build the SQLite schema")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CheckError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
