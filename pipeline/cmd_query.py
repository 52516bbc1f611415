"""Table verbs: `documents`, `targets`, `projects`, `responsibilities`, `deadlines`, `compare`.

Each takes the shared filters (queries.filters.Filters), prints a table that fits the
terminal or, with --json, every field of the same rows the HTTP API returns.  The
questions themselves are the ``queries`` functions; this module only reads options and
prints.
"""
from __future__ import annotations

from pathlib import Path

import typer

from pipeline import cli_common as c
from pipeline.cli import DB_OPTION, app

TARGET_COLUMNS = [("region", "region", "name"), ("indicator", "indicator", "name"), ("target", "target", "keep"),
                  ("year", "year", "keep"), ("attribute", "attr", ""), ("doc_id", "doc", "id"),
                  ("page", "p.", ""), ("quote", "quote", "text")]


def _total_note(shown: int, total: int, what: str) -> str:
    return f"{shown} of {total} {what}" if shown < total else f"{total} {what}"


@app.command()
def documents(
    region: list[str] = c.REGION, province: list[str] = c.PROVINCE, level: str = c.LEVEL, kind: list[str] = c.KIND,
    period: str = c.PERIOD, year: int = c.YEAR,
    sort: str = typer.Option(None, "--sort", help="file | title | region | province | level | kind | period | "
                             "issue_date | targets | projects | responsibilities | deadlines | sections | chunks"),
    descending: bool = typer.Option(False, "--desc", help="Sort descending."),
    limit: int = c.LIMIT, as_json: bool = c.JSON_OPTION, db: Path = DB_OPTION,
) -> None:
    """Stored documents with their metadata and fact counts.

    Example: [bold]cnpolicy documents --region 山东 --level county --sort targets --desc[/bold]
    """
    from queries.documents import documents_page

    f = c.filters(region=region, province=province, level=level, kind=kind, period=period, year=year)
    with c.reading(db) as con:
        shown, total = documents_page(con, f, sort=sort, descending=descending, limit=limit)
        c.hint_unknown_regions(con, f, shown)
    if as_json:
        return c.print_json(shown)
    from queries.filters import words

    levels, kinds = words()["level_labels"], words()["kind_labels"]
    for r in shown:  # short Chinese labels in the table; --json keeps the stored values
        r["level_label"] = levels.get(r["admin_level"] or "", r["admin_level"])
        r["kind_label"] = kinds.get(r["kind"] or "", r["kind"])
    c.print_table(_total_note(len(shown), total, "documents"), shown, [
        ("doc_id", "doc", "id"), ("title", "title", "title"), ("region", "region", "name"),
        ("level_label", "level", "keep"), ("period", "period", "keep"), ("kind_label", "kind", ""),
        ("n_targets", "tgt", "keep"), ("n_projects", "prj", "keep"), ("n_responsibilities", "task", "keep"),
        ("source_file", "file", "file")])


@app.command()
def targets(
    indicator: str = typer.Option(None, "--indicator", "-i", help="Indicator concept (aliases and wordings match)."),
    region: list[str] = c.REGION, province: list[str] = c.PROVINCE, level: str = c.LEVEL, kind: list[str] = c.KIND,
    period: str = c.PERIOD, year: int = typer.Option(None, "--year", help="Target year."),
    attribute: str = c.ATTRIBUTE,
    value: float = typer.Option(None, "--value", help="Target value (compared across units with --unit)."),
    unit: str = typer.Option(None, "--unit", help="Unit of --value/--min/--max: 平方米, %, ‰, 万元 …"),
    value_min: float = typer.Option(None, "--min", help="Value at least this (in --unit when given)."),
    value_max: float = typer.Option(None, "--max", help="Value at most this (in --unit when given)."),
    doc: str = c.DOC, min_confidence: float = c.MIN_CONFIDENCE, include_all: bool = c.ALL,
    limit: int = c.LIMIT, as_json: bool = c.JSON_OPTION, db: Path = DB_OPTION,
) -> None:
    """Quantitative targets with citations, filtered by indicator concept and the shared filters.

    Example: [bold]cnpolicy targets --indicator 人均应急避难场所面积 --level county[/bold]
    """
    from queries.compare import format_target
    from queries.targets import targets_page

    f = c.filters(region=region, province=province, level=level, kind=kind, period=period, year=year,
                  attribute=attribute, doc=doc, min_confidence=min_confidence, include_all=include_all,
                  value_min=value_min, value_max=value_max, unit=unit if value is None else None)
    with c.reading(db) as con:
        shown, total = targets_page(con, indicator=indicator, value=value, unit=unit, filters=f, limit=limit)
        c.hint_unknown_regions(con, f, shown)
    if as_json:
        return c.print_json(shown)
    for r in shown:
        r["target"] = format_target(r)
    c.print_table(_total_note(len(shown), total, "targets"), shown, TARGET_COLUMNS)


@app.command()
def projects(
    name: str = typer.Option(None, "--name", help="Words in the project name, section or category."),
    region: list[str] = c.REGION, province: list[str] = c.PROVINCE, level: str = c.LEVEL, kind: list[str] = c.KIND,
    period: str = c.PERIOD, year: int = c.YEAR,
    investment_min: str = typer.Option(None, "--min-investment", help="Investment at least (5000 = 5000万元; "
                                       "or 1亿元)."),
    investment_max: str = typer.Option(None, "--max-investment", help="Investment at most (万元, or 1亿元)."),
    count: bool = typer.Option(False, "--count", help="Print only how many projects match."),
    doc: str = c.DOC, min_confidence: float = c.MIN_CONFIDENCE, include_all: bool = c.ALL,
    limit: int = c.LIMIT, as_json: bool = c.JSON_OPTION, db: Path = DB_OPTION,
) -> None:
    """Key projects (重点工程, 专栏 items) with their section and citation.

    Example: [bold]cnpolicy projects --region 船山区 --min-investment 1亿元 --count[/bold]
    """
    from queries.targets import projects_page

    f = c.filters(region=region, province=province, level=level, kind=kind, period=period, year=year, doc=doc,
                  min_confidence=min_confidence, include_all=include_all, investment_min=investment_min,
                  investment_max=investment_max)
    with c.reading(db) as con:
        shown, total = projects_page(con, name=name, filters=f, limit=1 if count else limit)
        c.hint_unknown_regions(con, f, shown)
    if count:
        return c.print_json({"count": total}) if as_json else print(total)
    if as_json:
        return c.print_json(shown)
    c.print_table(_total_note(len(shown), total, "projects"), shown, [
        ("region", "region", "name"), ("name", "project", "text"), ("investment", "万元", ""),
        ("section_path", "section", "title"), ("doc_id", "doc", "id"), ("page", "p.", "")])


@app.command()
def responsibilities(
    department: str = typer.Option(None, "--department", "-d", help="Lead or supporting department."),
    lead_only: bool = typer.Option(False, "--lead", help="Only tasks the department leads."),
    region: list[str] = c.REGION, province: list[str] = c.PROVINCE, level: str = c.LEVEL, kind: list[str] = c.KIND,
    period: str = c.PERIOD, year: int = c.YEAR, doc: str = c.DOC,
    min_confidence: float = c.MIN_CONFIDENCE, include_all: bool = c.ALL,
    limit: int = c.LIMIT, as_json: bool = c.JSON_OPTION, db: Path = DB_OPTION,
) -> None:
    """Tasks with their lead (牵头) and supporting (负责/配合) departments.

    Example: [bold]cnpolicy responsibilities --department 市应急局 --lead[/bold]
    """
    from queries.targets import responsibilities_page

    f = c.filters(region=region, province=province, level=level, kind=kind, period=period, year=year, doc=doc,
                  min_confidence=min_confidence, include_all=include_all)
    with c.reading(db) as con:
        shown, total = responsibilities_page(con, department=department, role="lead" if lead_only else None,
                                             filters=f, limit=limit)
        c.hint_unknown_regions(con, f, shown)
    if as_json:
        return c.print_json(shown)
    c.print_table(_total_note(len(shown), total, "tasks"), shown, [
        ("region", "region", "name"), ("task", "task", "text"), ("lead", "lead", "name"),
        ("support", "support", "name"), ("doc_id", "doc", "id"), ("page", "p.", "")])


@app.command()
def deadlines(
    what: str = typer.Option(None, "--what", help="Words in the dated commitment."),
    region: list[str] = c.REGION, province: list[str] = c.PROVINCE, level: str = c.LEVEL, kind: list[str] = c.KIND,
    period: str = c.PERIOD, year: int = typer.Option(None, "--year", help="Deadline year."), doc: str = c.DOC,
    min_confidence: float = c.MIN_CONFIDENCE, include_all: bool = c.ALL,
    limit: int = c.LIMIT, as_json: bool = c.JSON_OPTION, db: Path = DB_OPTION,
) -> None:
    """Dated commitments (到2025年底前建成…) with their citation.

    Example: [bold]cnpolicy deadlines --year 2025 --region 临清市[/bold]
    """
    from queries.targets import deadlines_page

    f = c.filters(region=region, province=province, level=level, kind=kind, period=period, year=year, doc=doc,
                  min_confidence=min_confidence, include_all=include_all)
    with c.reading(db) as con:
        shown, total = deadlines_page(con, what=what, filters=f, limit=limit)
        c.hint_unknown_regions(con, f, shown)
    if as_json:
        return c.print_json(shown)
    c.print_table(_total_note(len(shown), total, "deadlines"), shown, [
        ("region", "region", "name"), ("year", "year", "keep"), ("month", "m", "keep"), ("what", "what", "text"),
        ("doc_id", "doc", "id"), ("page", "p.", "")])


@app.command("compare")
def compare_cmd(
    indicator: str = typer.Argument(..., help="Indicator concept, e.g. 亿元GDP生产安全事故死亡率."),
    year: int = typer.Option(None, "--year", help="Compare this target year (default: the year most plans state)."),
    period: str = typer.Option(None, "--period", help="Plan period (十四五, 2021-2025); default: the period "
                               "most plans share."),
    all_periods: bool = typer.Option(False, "--all-periods", help="Rank plans of every period together."),
    region: list[str] = c.REGION, province: list[str] = c.PROVINCE, level: str = c.LEVEL, kind: list[str] = c.KIND,
    attribute: str = c.ATTRIBUTE, min_confidence: float = c.MIN_CONFIDENCE, include_all: bool = c.ALL,
    plot: Path = typer.Option(None, "--plot", help="Also draw a bar chart to this PNG file."),
    as_json: bool = c.JSON_OPTION, db: Path = DB_OPTION,
) -> None:
    """One indicator across regions for one plan period, one row per plan, most ambitious first.

    Example: [bold]cnpolicy compare "亿元GDP生产安全事故死亡率" --plot compare.png[/bold]
    """
    from queries.compare import comparison, plot as draw

    f = c.filters(region=region, province=province, level=level, kind=kind, period=period, attribute=attribute,
                  min_confidence=min_confidence, include_all=include_all)
    with c.reading(db) as con:
        result = comparison(con, indicator, year=year, filters=f, all_periods=all_periods)
        c.hint_unknown_regions(con, f, result["rows"])
    rows = result["rows"]
    if as_json:
        return c.print_json(rows)
    if not rows:
        where = f" in {result['period_label']}" if result["period"] else ""
        c.fail(f"no targets found for indicator '{indicator}'{where}", code=1)
    direction = {"lower_is_better": "lower is better", "higher_is_better": "higher is better"}.get(
        result["direction"] or "", "direction unknown")
    c.print_table(f"{indicator} — {len(rows)} plans, {result['period_label']} ({direction})", rows, [
        ("rank", "#", "keep"), ("region", "region", "name"), ("target", "target", "keep"), ("year", "year", "keep"),
        ("indicator", "as written", "name"), ("doc_id", "doc", "id"), ("page", "p.", ""), ("quote", "quote", "text")])
    left_out = [p for p in result["periods"] if p["compared"] < p["plans"]]
    if left_out and result["period"]:
        c.console.print("[dim]not compared, other periods: " + ", ".join(
            f"{p['label']} ({p['plans'] - p['compared']} plan{'s' if p['plans'] - p['compared'] > 1 else ''})"
            for p in left_out) + " — choose with --period, or --all-periods[/dim]")
    if plot:
        for w in draw(rows, indicator, str(plot), subtitle=result["period_label"]):
            c.err.print(f"[yellow]warning:[/yellow] {w}")
        c.console.print(f"chart → {plot}")
