"""What a passage is in the cluster: the RT index definition, a row's fields and attributes, its
id and its shard. One place for all of it, so a Manticore port changes this file and ``client``.

Fields (full-text):
- ``qchars``: one token per non-space character of the folded text (CJK, a-z, 0-9 as themselves,
  any other character as ``x`` + its hex code): a quoted string is a phrase on it, which finds
  exactly the passages whose folded text contains it (0 mismatches in 213 strings at 100 MB,
  ../shared/notes/sphinxql-facts.md).
- ``mchars``: the same over the *matching text* (``matching.matching_text``: quotation marks and
  、 removed): an unquoted term's rule (a).
- ``words``, ``title``, ``section``: the analyzer's words, one token each (``w``/``t``/``s`` +
  the word), for ranking.
- ``place``: the place names a user may type for the passage's place (``p`` + the name; rule (c)).

Attributes: the registry's column fields as integer codes (``value_code``: a 31-bit hash of the
stored value, 0 for none), the date range keys, the file's id (removal by file), the content hash
(collapsing copies) and the stored passage as JSON (display).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path
from typing import Any

DISTRIBUTED = "passages"
CHARSET = "0..9, a..z, A..Z->a..z, _, U+3400..U+4DBF, U+4E00..U+9FFF, U+F900..U+FAFF"
TEXT_FIELDS = ("qchars", "mchars", "words", "title", "section", "place")
CODE_ATTRS = ("province", "city", "county", "doc_type", "collection", "year")
UINT_ATTRS = (*CODE_ATTRS, "date_start", "date_end", "paragraph", "doclen", "heading")
BIGINT_ATTRS = ("file_id", "content", "doc")
STRING_ATTRS = ("stored",)
MULTI_ATTRS = ("places",)  # city or county codes: the city filter matches either

_MAX_ID = (1 << 63) - 1


def shard_index(shard: int) -> str:
    return f"shard{shard}"


def rt_index_config(name: str, path: Path) -> str:
    lines = [f"index {name}", "{", "    type = rt", f"    path = {path / name}", "    rt_mem_limit = 256M"]
    lines += [f"    rt_field = {f}" for f in TEXT_FIELDS]
    lines += [f"    rt_attr_uint = {a}" for a in UINT_ATTRS]
    lines += [f"    rt_attr_bigint = {a}" for a in BIGINT_ATTRS]
    lines += [f"    rt_attr_multi = {a}" for a in MULTI_ATTRS]
    lines += [f"    rt_attr_string = {a}" for a in STRING_ATTRS]
    lines += [
        f"    charset_table = {CHARSET}",
        "    min_word_len = 1",
        "    index_field_lengths = 1",
        "    dict = keywords",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _in_charset(ch: str) -> bool:
    return (
        "0" <= ch <= "9"
        or "a" <= ch <= "z"
        or ch == "_"
        or "\u3400" <= ch <= "\u4dbf"
        or "\u4e00" <= ch <= "\u9fff"
        or "\uf900" <= ch <= "\ufaff"
    )


def char_token(ch: str) -> str:
    """One character as one token of the index's charset."""
    return ch if _in_charset(ch) else f"x{ord(ch):x}"


def char_tokens(text: str) -> str:
    """``text``'s non-space characters as space-separated tokens (``qchars`` / ``mchars``)."""
    return " ".join(char_token(ch) for ch in text if not ch.isspace())


# Each field's word tokens start with their own letter: a word's document frequency (BM25's idf)
# is then the passages holding it in the text, not those whose title holds it, and a one-character
# word (市) is not the character token of the same character.
WORD, TITLE, SECTION, PLACE = "w", "t", "s", "p"


def word_token(word: str, prefix: str = WORD) -> str:
    """A word as one token of a field: characters outside the charset spelled as ``x`` + hex, glued."""
    return prefix + "".join(ch if _in_charset(ch) else f"x{ord(ch):x}" for ch in word.lower() if not ch.isspace())


def value_code(value: Any) -> int:
    """A stored value's integer code (0: none): the same on every node and in every process."""
    if value is None or value == "":
        return 0
    return (zlib.crc32(str(value).encode("utf-8")) & 0x7FFFFFFF) or 1


def row_id(path_key: str, passage_id: str) -> int:
    """A row's id, 1..2^63-1 (Sphinx drops id 0): two files holding the same article are two rows."""
    digest = hashlib.sha1(f"{path_key}\0{passage_id}".encode("utf-8", "surrogatepass")).digest()
    return (int.from_bytes(digest[:8], "big") & _MAX_ID) or 1


def file_id(path_key: str) -> int:
    return row_id(path_key, "")


def shard_of(doc_id: str, shards: int) -> int:
    """The shard an article's passages live on (all of them on one: a document is read from one shard)."""
    return int.from_bytes(hashlib.sha1(doc_id.encode()).digest()[:8], "big") % shards


def stored_json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


VALUES_FILE = "values.json"


def remember_values(data_dir: Path, values: dict[str, dict[int, str]]) -> None:
    """Add the stored values behind the codes written (facets name their values from these)."""
    known = known_values(data_dir)
    for name, table in values.items():
        known.setdefault(name, {}).update(table)
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / f".{VALUES_FILE}.tmp"
    tmp.write_text(
        json.dumps({n: {str(k): v for k, v in t.items()} for n, t in known.items()}, ensure_ascii=False), encoding="utf-8"
    )
    tmp.replace(data_dir / VALUES_FILE)


def known_values(data_dir: Path) -> dict[str, dict[int, str]]:
    try:
        raw = json.loads((data_dir / VALUES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {name: {int(k): v for k, v in table.items()} for name, table in raw.items()}


GENERATION_FILE = "generation"


def generation(data_dir: Path) -> int:
    """How many commits the cluster has had (readers reopen what they cache when it changes)."""
    try:
        return int((data_dir / GENERATION_FILE).read_text())
    except (OSError, ValueError):
        return 0


def bump_generation(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / f".{GENERATION_FILE}.tmp"
    tmp.write_text(str(generation(data_dir) + 1))
    tmp.replace(data_dir / GENERATION_FILE)
