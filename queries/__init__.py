"""The query library: one function per question, all taking the same filters
(``queries.filters.Filters``), used unchanged by the CLI (pipeline/cmd_*.py), the HTTP API
(pipeline/api.py), the web pages (pipeline/web), ``pipeline.Corpus`` and the exports.

    question           function (module)
    documents          queries.documents.documents(con, filters, sort=…) / document(con, ref)
    targets            queries.targets.query_targets(con, indicator=…, filters=…)
    projects           queries.targets.list_projects(con, name=…, filters=…)
    responsibilities   queries.targets.list_responsibilities(con, department=…, role=…, filters=…)
    deadlines          queries.targets.list_deadlines(con, what=…, filters=…)
    compare            queries.compare.comparison(con, indicator, filters=…) (rows: compare)
    search             queries.search.search(con, query, k, filters=…)
    ask                queries.ask.ask(con, question)
    diff               queries.diff.diff_records(records_from_db(con, a), records_from_db(con, b))

Every function reads an open DuckDB connection (the callers open it read-only) and returns
plain dicts with their citation fields.  Nothing here imports the pipeline layer.
"""
