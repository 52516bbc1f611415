"""The built-in fact tables.  A new extractor declares its own table in its own module
(see ``extractors.registry``); these four live here because their extractors predate the
registry."""
from extractors.registry import fact_table

fact_table(
    "targets", id_prefix="t", module="extractors.targets", key="indicator",
    scored=("value", "unit", "comparator", "year", "attribute"),
    columns={"indicator": "VARCHAR", "canonical_indicator": "VARCHAR", "value": "DOUBLE",
             "value_max": "DOUBLE", "value_raw": "VARCHAR", "unit": "VARCHAR", "comparator": "VARCHAR",
             "year": "INTEGER", "attribute": "VARCHAR", "category": "VARCHAR", "source_kind": "VARCHAR",
             "frequency": "VARCHAR", "measure": "VARCHAR", "year_implied": "BOOLEAN"},
)
fact_table(
    "projects", id_prefix="p", module="extractors.projects", key="name", scored=("investment",),
    columns={"name": "VARCHAR", "summary": "VARCHAR", "investment": "DOUBLE", "category": "VARCHAR"},
)
fact_table(
    "responsibilities", id_prefix="r", id_column="resp_id", module="extractors.responsibilities",
    key="task", scored=("lead", "support"),
    columns={"task": "VARCHAR", "lead": "VARCHAR[]", "support": "VARCHAR[]", "lead_canonical": "VARCHAR[]",
             "support_canonical": "VARCHAR[]", "lead_role": "VARCHAR", "support_role": "VARCHAR"},
)
fact_table(
    "deadlines", id_prefix="d", module="extractors.deadlines", key="what", scored=("year", "month", "relative"),
    columns={"what": "VARCHAR", "year": "INTEGER", "month": "INTEGER", "relative": "VARCHAR",
             "year_implied": "BOOLEAN"},
)
