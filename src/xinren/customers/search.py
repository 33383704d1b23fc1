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

Chinese queries are answered from a third structure, a plain B-tree table of *grams*
(``customers_company_gram``: every character of the name and the contact names, and every
pair of adjacent characters with its position). Lists are shown newest first and only the
first page is needed, so the useful plan walks one gram's entries in ``company_id`` order
and stops after a page: a B-tree gives that order, an inverted index (FTS5 doclists under a
per-row probe, GIN) does not. One or two characters are one gram; a longer phrase is its
rarest pair, with the other pairs checked at their relative positions (exact, no recheck).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from xinren.standards.names import pinyin_syllables

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


# Grams: (gram, company_id, pos). ``pos`` is 0 for a single character (one row per company
# and character) and the position of the first character for a pair (name from 1, contact
# names from 2001, as in the full-text document, so a phrase never spans name and contacts).
# Primary key order (gram, company_id, pos) serves both plans: "newest companies with this
# gram" (range scan backwards) and "does company X have gram G at position P" (point probe).
# No index on company_id (it would double the table): rewriting a company's grams deletes
# the ones derived from its previous full-text document (see ``_stored_grams``).
GRAM_TABLE = "customers_company_gram"
GRAM_DDL = {
    "sqlite": [
        f"CREATE TABLE IF NOT EXISTS {GRAM_TABLE} (gram TEXT NOT NULL, company_id INTEGER "
        "NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (gram, company_id, pos)) WITHOUT ROWID"
    ],
    "postgresql": [
        f'CREATE TABLE IF NOT EXISTS {GRAM_TABLE} (gram text COLLATE "C" NOT NULL,'
        " company_id bigint NOT NULL, pos smallint NOT NULL,"
        " PRIMARY KEY (gram, company_id, pos))"
    ],
}


def create_gram_storage(schema_editor) -> None:
    with schema_editor.connection.cursor() as cur:
        for stmt in GRAM_DDL[schema_editor.connection.vendor]:
            cur.execute(stmt)


def drop_gram_storage(schema_editor) -> None:
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {GRAM_TABLE}")


def backfill_grams(schema_editor, batch: int = 5000) -> None:
    """Grams of every company already stored (migration): from the name and contact names."""
    conn = schema_editor.connection
    with conn.cursor() as cur:
        last = 0
        while True:
            cur.execute(
                "SELECT id, name, name_en FROM customers_company WHERE id > %s ORDER BY id LIMIT %s",
                [last, batch],
            )
            rows = cur.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            cur.execute(
                "SELECT company_id, name FROM customers_contact"
                " WHERE company_id BETWEEN %s AND %s ORDER BY id",
                [rows[0][0], last],
            )
            people: dict[int, list[str]] = {}
            for cid, name in cur.fetchall():
                people.setdefault(cid, []).append(name)
            docs = [build_doc(i, n, e or "", people.get(i, ()), syllables=()) for i, n, e in rows]
            _write_grams(cur, docs)


def is_char(tok: str) -> bool:
    return len(tok) == 1 and bool(_CJK.match(tok))


def _grams_at(positions: dict[int, str]) -> set[tuple[str, int]]:
    """Grams of a document given as {position: token} (name and contact tokens only)."""
    out: set[tuple[str, int]] = set()
    for pos, tok in positions.items():
        if is_char(tok):
            out.add((tok, 0))
            nxt = positions.get(pos + 1)
            if nxt is not None and is_char(nxt):
                out.add((tok + nxt, pos))
    return out


def _positions(name: Sequence[str], people: Sequence[str]) -> dict[int, str]:
    out = {pos: tok for pos, tok in enumerate(name[:_PEOPLE_OFFSET], start=1)}
    limit = _PINYIN_OFFSET - _PEOPLE_OFFSET
    out.update(enumerate(people[:limit], start=_PEOPLE_OFFSET + 1))
    return out


def doc_grams(doc: SearchDoc) -> set[tuple[str, int]]:
    return _grams_at(_positions(doc.name, doc.people))


def _stored_grams(cur, company_ids: Sequence[int]) -> list[tuple[str, int]]:
    """(gram, company_id) of the grams the index holds for these companies, rebuilt from
    their stored full-text documents (read before those are replaced)."""
    out: list[tuple[str, int]] = []
    if connection.vendor == "sqlite":
        marks = ",".join(["%s"] * len(company_ids))
        cur.execute(
            f"SELECT rowid, name, people FROM {SQLITE_TABLE} WHERE rowid IN ({marks})",
            list(company_ids),
        )
        for cid, name, people in cur.fetchall():
            grams = _grams_at(_positions(name.split(), people.split()))
            out += sorted({(g, cid) for g, _ in grams})
        return out
    cur.execute(
        f"SELECT s.company_id, u.lexeme, u.positions FROM {PG_TABLE} s, unnest(s.doc) u"
        " WHERE s.company_id = ANY(%s)",
        [list(company_ids)],
    )
    by_company: dict[int, dict[int, str]] = {}
    for cid, lexeme, positions in cur.fetchall():
        for p in positions or ():
            if p <= _PINYIN_OFFSET:
                by_company.setdefault(cid, {})[p] = lexeme
    for cid, positions in by_company.items():
        out += sorted({(g, cid) for g, _ in _grams_at(positions)})
    return out


def _write_grams(cur, docs: Sequence[SearchDoc]) -> None:
    # In key order: a batch then touches each B-tree leaf once instead of at random.
    rows = sorted((g, d.company_id, pos) for d in docs for g, pos in doc_grams(d))
    if connection.vendor == "postgresql":
        # COPY: a company has ~30 grams, executemany would dominate the demo fill.
        with cur.cursor.copy(f"COPY {GRAM_TABLE} (gram, company_id, pos) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cur.executemany(
            f"INSERT INTO {GRAM_TABLE} (gram, company_id, pos) VALUES (%s, %s, %s)", rows
        )


def _delete_grams(cur, company_ids: Sequence[int]) -> None:
    stale = _stored_grams(cur, company_ids)
    if stale:
        cur.executemany(f"DELETE FROM {GRAM_TABLE} WHERE gram = %s AND company_id = %s", stale)


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
        _delete_grams(cur, [d.company_id for d in docs])
        _write_grams(cur, docs)
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
        _delete_grams(cur, company_ids)
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
        # One latin word: a plain prefix over all weights (pinyin, and latin words of names
        # and contacts, whose exact match it includes). No weight means no recheck of each
        # document, and an estimate the planner can use to walk companies newest first.
        phrase = f"{_pg_lexeme(pq.latin)}:*"
    return f"SELECT company_id FROM {PG_TABLE} WHERE doc @@ %s::tsquery", [phrase]


# The newest this many matches are fetched as a list (see selectors.search_companies).
CANDIDATE_CAP = 2000
# ... for a user who sees every company: a first page of 20 is among the newest 200 matches
# (unless other filters hide them, then older ones are probed), and a short list keeps the
# query small. Narrower scopes keep the longer list, so that the database can look up the
# few visible matches instead of walking the user's companies.
GROUP_SCOPE_CAP = 200


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


# --- gram plans (Chinese queries) -----------------------------------------------------------
# Counting a gram's entries stops here: enough to tell which pair of a phrase is rarest.
GRAM_COUNT_CAP = 5000


@dataclass(frozen=True)
class GramQuery:
    """A phrase of single characters as grams: ``grams[i]`` starts at the driver's position
    plus ``offsets[i]``; ``grams[0]`` drives (the rarest)."""

    grams: list[str]
    offsets: list[int]


def gram_query(pq: ParsedQuery) -> GramQuery | None:
    """The gram form of a query made only of Chinese characters (else None: the full-text
    index answers latin words, digits and pinyin)."""
    words = pq.words
    if not words or not all(is_char(w) for w in words):
        return None
    if len(words) == 1:
        return GramQuery(words, [0])
    pairs = [a + b for a, b in zip(words, words[1:], strict=False)]
    if len(pairs) == 1:
        return GramQuery(pairs, [0])
    with connection.cursor() as cur:
        counts = []
        for g in pairs:
            cur.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {GRAM_TABLE} WHERE gram = %s LIMIT %s) t",
                [g, GRAM_COUNT_CAP],
            )
            counts.append(cur.fetchone()[0])
    k = counts.index(min(counts))
    order = [k] + [i for i in range(len(pairs)) if i != k]
    return GramQuery([pairs[i] for i in order], [i - k for i in order])


def _gram_where(gq: GramQuery, alias: str) -> tuple[str, list]:
    """Conditions on ``alias`` (the driver's row) for the whole phrase."""
    sql = [f"{alias}.gram = %s"]
    params: list = [gq.grams[0]]
    for i, (g, off) in enumerate(zip(gq.grams[1:], gq.offsets[1:], strict=True), start=1):
        # Point probes written as scalar subqueries: as EXISTS, PostgreSQL may hash every
        # entry of a common pair (有限: a million) instead of probing a few thousand times.
        sql.append(
            f"(SELECT 1 FROM {GRAM_TABLE} g{i} WHERE g{i}.gram = %s"
            f" AND g{i}.company_id = {alias}.company_id AND g{i}.pos = {alias}.pos + %s"
            " LIMIT 1) IS NOT NULL"
        )
        params += [g, off]
    return " AND ".join(sql), params


def gram_newest_ids(gq: GramQuery, limit: int) -> list[int]:
    """Ids of the newest ``limit`` matching companies, newest first: a backward walk of the
    driver gram's entries that stops at ``limit``."""
    where, params = _gram_where(gq, "g0")
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT g0.company_id FROM {GRAM_TABLE} g0 WHERE {where}"
            " ORDER BY g0.company_id DESC LIMIT %s",
            [*params, limit],
        )
        return [r[0] for r in cur.fetchall()]


def gram_row_sql(gq: GramQuery, pk_sql: str) -> tuple[str, list]:
    """ "Company ``pk_sql`` matches" as a point probe of the primary key."""
    where, params = _gram_where(gq, "g0")
    # A scalar subquery, not EXISTS: PostgreSQL would turn an EXISTS into a hashed subplan,
    # i.e. read every entry of a common gram before the first row.
    return (
        f"((SELECT 1 FROM {GRAM_TABLE} g0 WHERE g0.company_id = {pk_sql} AND {where}"
        " LIMIT 1) IS NOT NULL)",
        params,
    )


def newest_ids(pq: ParsedQuery, limit: int) -> list[int]:
    """Ids of the newest ``limit`` companies whose name, contacts or pinyin match (full-text
    index), newest first."""
    matched = match_sql(pq)
    if matched is None:
        return []
    sql, params = matched
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":  # FTS5 walks its doclists in rowid order itself
            cur.execute(f"{sql} ORDER BY rowid DESC LIMIT %s", [*params, limit])
            return [r[0] for r in cur.fetchall()]
        # GIN has no order. Left to itself the planner gambles on a backward walk of every
        # document for a rare term (a full scan), so: first the newest PG_WINDOW documents in
        # order (bounded); a term common enough fills ``limit`` there. Otherwise it has at
        # most limit/PG_WINDOW of all rows: fetch them all from the index (fenced with
        # OFFSET 0 so no LIMIT tempts the planner) and keep the newest.
        cur.execute(
            f"SELECT company_id FROM (SELECT company_id, doc FROM {PG_TABLE}"
            " ORDER BY company_id DESC LIMIT %s) t WHERE doc @@ %s::tsquery"
            " ORDER BY company_id DESC LIMIT %s",
            [PG_WINDOW, *params, limit],
        )
        ids = [r[0] for r in cur.fetchall()]
        if len(ids) >= limit:
            return ids
        cur.execute(
            f"SELECT company_id FROM ({sql} OFFSET 0) t ORDER BY company_id DESC LIMIT %s",
            [*params, limit],
        )
        return [r[0] for r in cur.fetchall()]


PG_WINDOW = 20000
