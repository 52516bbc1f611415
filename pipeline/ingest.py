"""Orchestration: process files (in parallel if asked) and store them with one writer."""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pipeline.process import Result, process_file


def _results(files: list[str], workers: int, extract: bool, embed: bool) -> Iterator[Result]:
    if workers <= 1 or len(files) <= 1:
        for f in files:
            yield process_file(f, extract, embed)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(process_file, files, [extract] * len(files), [embed] * len(files), chunksize=1)


def ingest_files(files: list[str], db: str | Path, workers: int = 1, force: bool = False,
                 extract: bool = True, embed: bool = True, progress: bool = False,
                 model: str | None = None) -> list[dict]:
    """Process and store files; return one report row per file."""
    from pipeline.store import connect

    con = connect(db)
    report: list[dict] = []
    seen: dict[str, str] = {}
    bar = _progress(progress)
    task = bar.add_task("ingesting", total=len(files)) if bar else None
    try:
        if bar:
            bar.start()
        for res in _results(files, workers, extract, embed):
            report.append(_store(con, res, seen, force))
            if bar:
                bar.update(task, advance=1, description=Path(res.path).name[:40])
    finally:
        if bar:
            bar.stop()
        con.close()
    if any(r["status"] == "stored" for r in report):  # search indexes follow the stored chunks
        from index import refresh

        refresh(db, embed=embed, model=model)
    return report


def _store(con, res: Result, seen: dict[str, str], force: bool) -> dict:
    from pipeline.store import write_document

    row = {"file": res.path, "seconds": res.seconds, "doc_id": res.doc_id}
    if res.error:
        return {**row, "status": "error", "reason": res.error}
    if res.doc_id in seen:
        return {**row, "status": "error", "reason": f"duplicate of {Path(seen[res.doc_id]).name} (same content)"}
    seen[res.doc_id] = res.path
    doc = res.rows["documents"][0]
    row.update(region=doc.get("region"), kind=doc.get("kind"), sections=len(res.rows.get("sections", [])),
               targets=len(res.rows.get("targets", [])))
    try:
        stored = write_document(con, res.rows, replace=force)
    except Exception as e:
        return {**row, "status": "error", "reason": f"not stored: {type(e).__name__}: {e}"}
    return {**row, "status": "stored" if stored else "unchanged"}


def _progress(enabled: bool):
    if not enabled:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=True)
