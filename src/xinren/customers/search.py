"""One search box over the customer master.

Chinese names have no spaces and people type two characters (华为, 美的), which trigram
indexes do not serve. So each company is indexed as a sequence of single-character tokens
with positions, and a typed string becomes a *phrase* of those tokens: a phrase match on
adjacent positions is exactly a substring match, for any length from one character up, and
it runs on the full-text index both databases have:

* SQLite: an FTS5 table (``unicode61`` tokenizer; tokens are separated by spaces).
* PostgreSQL: a ``tsvector`` column built from a literal with explicit positions (no text
  parser, so no dependence on the database locale) under a GIN index; phrases with ``<->``.

Pinyin: for every character position the full pinyin and the initials of the rest of the
name are indexed as whole tokens, so a prefix query (``hw*``, ``huawei*``) finds a name by
the pinyin of any part of it.

USCC, archive number and contact phone are matched by prefix on their own B-tree indexes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from pypinyin import Style, lazy_pinyin

MAX_PINYIN_TOKENS = 16
_TOKEN = re.compile(r"[0-9a-z]+|[^\W_]", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def tokens(text: str) -> list[str]:
    """Single CJK characters, whole latin words and numbers, in order."""
    out: list[str] = []
    for match in _TOKEN.finditer(fold(text)):
        tok = match.group(0)
        if _CJK.match(tok) or tok.isalnum():
            out.append(tok)
    return out


def pinyin_syllables(name: str) -> list[str]:
    """One syllable per CJK character of ``name`` (other characters are skipped)."""
    chars = [c for c in fold(name) if _CJK.match(c)]
    return lazy_pinyin("".join(chars), style=Style.NORMAL, errors="ignore") if chars else []


def pinyin_tokens(syllables: Sequence[str]) -> list[str]:
    """Full pinyin and initials of every suffix: 华为技术 → huaweijishu, hwjs, weijishu, wjs…"""
    out: list[str] = []
    for i in range(min(len(syllables), MAX_PINYIN_TOKENS)):
        rest = syllables[i:]
        out.append("".join(rest)[:40])
        if len(rest) > 1:
            out.append("".join(s[0] for s in rest if s)[:20])
    return out


@dataclass(frozen=True)
class SearchDoc:
    company_id: int
    name: list[str]
    pinyin: list[str]
    people: list[str]


def build_doc(
    company_id: int,
    name: str,
    name_en: str = "",
    contact_names: Iterable[str] = (),
    syllables: Sequence[str] | None = None,
) -> SearchDoc:
    return SearchDoc(
        company_id=company_id,
        name=tokens(name) + tokens(name_en),
        pinyin=pinyin_tokens(pinyin_syllables(name) if syllables is None else syllables),
        people=[t for n in contact_names for t in tokens(n)],
    )


# --- storage --------------------------------------------------------------------------------
SQLITE_TABLE = "customers_company_fts"
PG_TABLE = "customers_company_search"

SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5("
    "name, pinyin, people, tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3')",
]
# No foreign key to customers_company: Django does not know this table, so a foreign key
# would make every TRUNCATE of companies (test flushes, maintenance) fail. Entries are
# removed by ``delete_docs`` in the same transaction as the company, and every search
# intersects with real, visible companies, so a stray entry can never surface.
PG_DDL = [
    f"CREATE TABLE IF NOT EXISTS {PG_TABLE} ("
    " company_id bigint PRIMARY KEY,"
    " doc tsvector NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {PG_TABLE}_doc ON {PG_TABLE} USING gin (doc)",
]
# Positions: name from 1, people from 2001 (a gap, so a phrase never spans name and people),
# pinyin tokens each at their own position from 4001 with weight C.
_PEOPLE_OFFSET, _PINYIN_OFFSET = 2000, 4000


def create_storage(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cur:
        for stmt in SQLITE_DDL if conn.vendor == "sqlite" else PG_DDL:
            cur.execute(stmt)


def drop_storage(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE if conn.vendor == 'sqlite' else PG_TABLE}")


def _pg_lexeme(tok: str) -> str:
    return "'" + tok.replace("\\", "").replace("'", "''") + "'"


def _pg_vector(doc: SearchDoc) -> str:
    parts: dict[str, list[str]] = {}
    for pos, tok in enumerate(doc.name, start=1):
        parts.setdefault(tok, []).append(f"{min(pos, 2000)}A")
    for pos, tok in enumerate(doc.people, start=_PEOPLE_OFFSET + 1):
        parts.setdefault(tok, []).append(f"{min(pos, 4000)}B")
    for pos, tok in enumerate(doc.pinyin, start=_PINYIN_OFFSET + 1):
        parts.setdefault(tok, []).append(f"{min(pos, 16383)}C")
    return " ".join(f"{_pg_lexeme(tok)}:{','.join(p)}" for tok, p in parts.items())


def write_docs(docs: Sequence[SearchDoc]) -> None:
    """Insert or replace the index entries of these companies (call inside the write's
    transaction so the index never disagrees with what was committed)."""
    if not docs:
        return
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.executemany(
                f"DELETE FROM {SQLITE_TABLE} WHERE rowid = %s", [(d.company_id,) for d in docs]
            )
            cur.executemany(
                f"INSERT INTO {SQLITE_TABLE}(rowid, name, pinyin, people) VALUES (%s, %s, %s, %s)",
                [
                    (d.company_id, " ".join(d.name), " ".join(d.pinyin), " ".join(d.people))
                    for d in docs
                ],
            )
        else:
            cur.executemany(
                f"INSERT INTO {PG_TABLE}(company_id, doc) VALUES (%s, %s::tsvector) "
                "ON CONFLICT (company_id) DO UPDATE SET doc = EXCLUDED.doc",
                [(d.company_id, _pg_vector(d)) for d in docs],
            )


def delete_docs(company_ids: Sequence[int]) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.executemany(
                f"DELETE FROM {SQLITE_TABLE} WHERE rowid = %s", [(i,) for i in company_ids]
            )
        else:
            cur.executemany(
                f"DELETE FROM {PG_TABLE} WHERE company_id = %s", [(i,) for i in company_ids]
            )


# --- queries --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedQuery:
    text: str
    words: list[str]  # CJK/latin tokens for the phrase
    latin: str  # lower-case letters only, for pinyin prefix
    code: str  # upper-case alphanumerics, for USCC / archive number prefix
    digits: str  # digits only, for phone prefix


def parse(q: str) -> ParsedQuery:
    text = fold(q).strip()
    code = re.sub(r"[^0-9A-Z-]", "", text.upper())
    latin = text if re.fullmatch(r"[a-z]+", text) else ""
    return ParsedQuery(
        text=text, words=tokens(text), latin=latin, code=code, digits=re.sub(r"\D", "", text)
    )


def match_sql(pq: ParsedQuery) -> tuple[str, list] | None:
    """SQL selecting the ids of companies whose name, contacts or pinyin match, or None."""
    if not pq.words:
        return None
    if connection.vendor == "sqlite":
        phrase = '"' + " ".join(w.replace('"', "") for w in pq.words) + '"'
        expr = "{name people} : " + phrase
        if pq.latin:
            expr = f"({expr}) OR (pinyin : {pq.latin}*)"
        return f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s", [expr]
    phrase = " <-> ".join(_pg_lexeme(w) + ":AB" for w in pq.words)
    if pq.latin:
        phrase = f"({phrase}) | {_pg_lexeme(pq.latin)}:*C"
    return f"SELECT company_id FROM {PG_TABLE} WHERE doc @@ %s::tsquery", [phrase]


# Matches above this many are not fetched as a list: the term is common, so scanning companies
# newest first and checking each one against the index finds a page long before the end.
CANDIDATE_CAP = 2000


def match_ids(pq: ParsedQuery, cap: int | None = None) -> list[int] | None:
    """Ids of all companies whose name, contacts or pinyin match — or ``None`` when there are
    more than ``cap`` of them (or nothing to match). Both engines stop reading after ``cap``
    matches (SQLite FTS5 walks its doclists newest first; PostgreSQL stops the scan)."""
    matched = match_sql(pq)
    if matched is None:
        return None
    cap = CANDIDATE_CAP if cap is None else cap
    sql, params = matched
    order = " ORDER BY rowid DESC" if connection.vendor == "sqlite" else ""
    with connection.cursor() as cur:
        cur.execute(f"{sql}{order} LIMIT %s", [*params, cap + 1])
        ids = [r[0] for r in cur.fetchall()]
    return None if len(ids) > cap else ids


def row_match_sql(pq: ParsedQuery, pk_sql: str) -> tuple[str, list] | None:
    """A per-row test "this company matches", for the column expression ``pk_sql``: one index
    probe per company, never a full evaluation of the term."""
    matched = match_sql(pq)
    if matched is None:
        return None
    _, params = matched
    if connection.vendor == "sqlite":
        return (
            f"EXISTS (SELECT 1 FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s"
            f" AND rowid = {pk_sql})",
            params,
        )
    # A scalar subquery: the planner cannot turn it into a join over every match.
    return f"((SELECT doc FROM {PG_TABLE} WHERE company_id = {pk_sql}) @@ %s::tsquery)", params
