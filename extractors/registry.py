"""The extractor registry: every fact table is declared once, here or in its plugin.

An extractor is one module.  It declares the table its records go into and registers a
spaCy component that appends records to ``doc._.records[<table>]``::

    # my_plugin.py
    from spacy.language import Language
    from extractors.registry import fact_table
    from extractors.base import provenance

    fact_table("hazards", id_prefix="h", columns={"hazard": "VARCHAR", "level": "INTEGER"},
               key="hazard", scored=("level",))

    @Language.component("hazards")
    def hazards(doc):
        src = doc._.source
        doc._.records["hazards"].append({"hazard": "地震", "level": 6, **provenance(src, 0, 2)})
        return doc

Load it with ``CNPOLICY_EXTRACTORS=my_plugin`` (comma-separated module names; worker
processes inherit it) or an entry point in the ``cnpolicy.extractors`` group.  The DuckDB
schema, the store, ``cnpolicy export``, ``cnpolicy eval`` and the counts derive from the
registry, so nothing else needs editing.  A record for a table nobody declared is an error.

Every fact table gets the common columns: ``doc_id``, its id column, the declared
columns, the evidence columns (``confidence`` in [0, 1], ``reasons``, ``section_role``,
``extra`` — a JSON object holding any record key that is not a column) and provenance.
Queries, exports and eval keep records with ``confidence >= DEFAULT_MIN_CONFIDENCE`` (or no
confidence at all) unless asked for everything.
"""
from __future__ import annotations

import importlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

# One documented default for every interface: a fact below this is stored but not shown.
DEFAULT_MIN_CONFIDENCE = 0.5

ENV_VAR = "CNPOLICY_EXTRACTORS"
ENTRY_POINT_GROUP = "cnpolicy.extractors"

EVIDENCE_COLUMNS = {"confidence": "DOUBLE", "reasons": "VARCHAR[]", "section_role": "VARCHAR", "extra": "JSON"}
PROVENANCE_COLUMNS = {"section_id": "VARCHAR", "section_path": "VARCHAR", "page": "INTEGER",
                      "char_start": "INTEGER", "char_end": "INTEGER", "quote": "VARCHAR"}
RESERVED = {"doc_id", *EVIDENCE_COLUMNS, *PROVENANCE_COLUMNS}


class RegistryError(Exception):
    """A bad declaration, or a record for a table nobody declared."""


@dataclass(frozen=True)
class FactTable:
    name: str
    id_prefix: str
    id_column: str
    columns: dict[str, str]           # declared columns, name → DuckDB type
    key: str | None = None            # the field eval pairs records by (its text)
    scored: tuple[str, ...] = ()      # fields eval reports accuracy for
    component: str | None = None      # spaCy component name (default: the table name)
    module: str | None = None         # module whose import registers the component
    order: int = 0
    all_columns: dict[str, str] = field(default_factory=dict)

    def ddl(self) -> str:
        return ", ".join(f"{c} {t}" for c, t in self.all_columns.items())


_TABLES: dict[str, FactTable] = {}


def fact_table(name: str, id_prefix: str, columns: dict[str, str], *, id_column: str | None = None,
               key: str | None = None, scored: tuple[str, ...] = (), component: str | None = None,
               module: str | None = None) -> FactTable:
    """Declare a fact table.  Declaring the same table again with the same columns is a no-op."""
    if not name.isidentifier() or not name.islower():
        raise RegistryError(f"table name {name!r}: use lower-case letters, digits and _")
    id_column = id_column or f"{name[:-1] if name.endswith('s') else name}_id"
    clash = RESERVED & set(columns) | ({id_column} & set(columns))
    if clash:
        raise RegistryError(f"table {name!r}: columns {sorted(clash)} are added by the registry, do not declare them")
    all_columns = {"doc_id": "VARCHAR", id_column: "VARCHAR", **columns, **EVIDENCE_COLUMNS, **PROVENANCE_COLUMNS}
    table = FactTable(name, id_prefix, id_column, dict(columns), key, tuple(scored), component or name,
                      module, len(_TABLES), all_columns)
    old = _TABLES.get(name)
    if old is not None:
        if old.all_columns != table.all_columns or old.id_prefix != id_prefix:
            raise RegistryError(f"table {name!r} is already declared with other columns or id prefix")
        return old
    taken = {t.id_prefix: t.name for t in _TABLES.values()}
    if id_prefix in taken:
        raise RegistryError(f"table {name!r}: id prefix {id_prefix!r} is already used by {taken[id_prefix]!r}")
    _TABLES[name] = table
    return table


def tables() -> dict[str, FactTable]:
    """Every declared fact table (built-ins first, then plugins), in declaration order."""
    load_plugins()
    return dict(_TABLES)


def get(name: str) -> FactTable:
    load_plugins()
    try:
        return _TABLES[name]
    except KeyError:
        raise RegistryError(f"records for unknown table {name!r} (declared: {', '.join(_TABLES)}); "
                            f"declare it with extractors.registry.fact_table") from None


_loaded: set[str] = set()


def load_plugins() -> None:
    """Import the built-in table declarations, entry-point plugins and $CNPOLICY_EXTRACTORS."""
    for mod in ("extractors.tables", *_entry_point_modules(), *_env_modules()):
        if mod not in _loaded:
            _loaded.add(mod)
            try:
                importlib.import_module(mod)
            except ImportError as e:
                _loaded.discard(mod)
                raise RegistryError(f"extractor plugin {mod!r} cannot be imported: {e}") from e


def _env_modules() -> list[str]:
    return [m.strip() for m in os.environ.get(ENV_VAR, "").split(",") if m.strip()]


@lru_cache(maxsize=1)
def _entry_point_modules() -> tuple[str, ...]:
    """Installed plugins; read once per process (scanning distributions is slow)."""
    from importlib.metadata import entry_points

    return tuple(ep.value.split(":")[0] for ep in entry_points(group=ENTRY_POINT_GROUP))


@contextmanager
def scoped():
    """Declarations made inside the block are forgotten after it (tests, notebooks)."""
    load_plugins()
    tables_before, loaded_before = dict(_TABLES), set(_loaded)
    try:
        yield
    finally:
        _TABLES.clear()
        _TABLES.update(tables_before)
        import sys

        for mod in _loaded - loaded_before:
            sys.modules.pop(mod, None)  # imported again (and so declared again) next time
        _loaded.clear()
        _loaded.update(loaded_before)


def component_modules() -> list[str]:
    """Modules to import so that every declared table's component is registered with spaCy."""
    return [t.module for t in tables().values() if t.module]


def fold_record(table: FactTable, record: dict) -> dict:
    """A record with exactly the table's columns: keys that are not columns go into ``extra``."""
    cols = table.all_columns
    out = dict.fromkeys(cols)  # the columns in order, then one C-level copy of the record
    out.update(record)
    extra = {}
    if len(out) > len(cols) and "_span" in record and "_span" not in cols:
        del out["_span"]  # the one key most records add (a span for doc.spans): not stored
    if len(out) > len(cols):  # the record has keys that are not columns
        for k in [k for k in record if k not in cols and k in out]:  # in the record's order
            v = out.pop(k)
            if not k.startswith("_"):  # "_span" and such are not stored
                extra[k] = v
    base = record.get("extra")
    if isinstance(base, str):
        base = json.loads(base)
    if extra or base:
        out["extra"] = json.dumps({**(base or {}), **extra}, ensure_ascii=False, default=str)
    reasons = out.get("reasons")
    if isinstance(reasons, str):
        out["reasons"] = [reasons]
    elif reasons is not None:
        out["reasons"] = list(map(str, reasons))
    return out
