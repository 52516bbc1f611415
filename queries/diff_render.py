"""Outputs of a plan diff: rich terminal report, JSON (stable schema, see DIFF.md),
Markdown, and one self-contained HTML file with a side-by-side 对照 view."""
from __future__ import annotations

import html
import json

from queries.diff import Diff

JUDGE_STYLE = {"tightened": "green", "loosened": "red", "mixed": "yellow", "unknown": "dim"}
JUDGE_ZH = {"tightened": "收紧", "loosened": "放宽", "mixed": "有升有降", "unknown": "无法判断"}
CHANGE_ZH = {"added": "新增", "removed": "删除", "changed": "修改", "renamed": "更名", "moved": "移动",
             "modified": "改写"}
KIND_ZH = {"target": "指标", "project": "项目", "responsibility": "分工", "section": "章节", "text": "文字"}
CONTEXT = 24  # characters of unchanged text kept around an edit in compact views


def to_json(diff: Diff, indent: int | None = 2) -> str:
    return json.dumps(diff.to_dict(), ensure_ascii=False, indent=indent, default=str)


def _loc(loc: dict | None) -> str:
    if not loc:
        return ""
    page = f" p.{loc['page']}" if loc.get("page") else ""
    return f"{loc.get('section_path') or ''}{page}"


def _of(diff: Diff, kind: str) -> list:
    return [c for c in diff.changes if c.kind == kind]


def summary_rows(diff: Diff) -> list[tuple[str, dict[str, int]]]:
    by = diff.summary.get("by_kind", {})
    return [(KIND_ZH[k] + f" ({k})", by.get(k, {})) for k in KIND_ZH]


def compact_ops(ops: list[list[str]], context: int = CONTEXT) -> list[list[str]]:
    """Trim long unchanged runs to a little context on each side of the edits."""
    out = []
    for n, (tag, a, b) in enumerate(ops):
        if tag == "equal" and len(a) > 2 * context + 1:
            head = a[:context] if n > 0 else ""
            tail = a[-context:] if n < len(ops) - 1 else ""
            a = f"{head}…{tail}"
            b = a
        out.append([tag, a, b])
    return out


# --- terminal ---------------------------------------------------------------------------
def render_terminal(diff: Diff, console, text_limit: int = 30, shared: bool | None = None) -> None:
    from rich.table import Table
    from rich.text import Text

    o, n = diff.old, diff.new
    console.rule(f"[bold]{o['label']}[/bold] → [bold]{n['label']}[/bold]")
    console.print(f"[dim]old:[/dim] {o.get('title') or ''}  [dim]({o['doc_id']})[/dim]")
    console.print(f"[dim]new:[/dim] {n.get('title') or ''}  [dim]({n['doc_id']})[/dim]")
    if not diff.changes:
        console.print("[green]No changes.[/green]")
    t = Table(title="Summary", show_lines=False)
    t.add_column("kind")
    for ch in ("added", "removed", "changed", "renamed", "moved", "modified"):
        t.add_column(ch, justify="right")
    for label, counts in summary_rows(diff):
        t.add_row(label, *[str(counts.get(ch, "")) for ch in ("added", "removed", "changed", "renamed", "moved", "modified")])
    console.print(t)
    judged = diff.summary.get("targets_judged", {})
    if judged:
        console.print("Target changes: " + ", ".join(f"[{JUDGE_STYLE[k]}]{v} {k}[/]" for k, v in judged.items()))
    _terminal_targets(diff, console)
    _terminal_facts(diff, console)
    _terminal_sections(diff, console)
    _terminal_text(diff, console, text_limit, Text)
    if shared or (shared is None and diff.summary.get("aligned_sections", 1) < 0.5):
        _terminal_shared(diff, console)


def plain(console) -> bool:
    """Styles will not show (output redirected to a file or a pipe, --out, NO_COLOR): old and
    new text then carry word-diff markers, [-removed-] and {+added+}."""
    return bool(console.record or not console.is_terminal or console.no_color or console.color_system is None)


def edit_text(edits: list[dict]) -> str:
    """The changed words of a line, marked: [-0.5-]{+0.4+}."""
    out = []
    for e in edits:
        if e.get("old"):
            out.append(f"[-{e['old']}-]")
        if e.get("new"):
            out.append(f"{{+{e['new']}+}}")
    return " ".join(out)


def _terminal_targets(diff: Diff, console) -> None:
    from rich.table import Table

    rows = _of(diff, "target")
    if not rows:
        return
    t = Table(title="Targets", show_lines=True)
    with_edits = any(c.edits for c in rows)
    for col in ("change", "indicator", "old", "new", "judgement", "where (new | old)") + (("line edit",) if with_edits else ()):
        t.add_column(col, overflow="fold")
    for c in rows:
        old = c.note.split(" → ")[0] if c.change == "changed" else (c.note if c.change == "removed" else "")
        new = c.note.split(" → ")[-1] if c.change == "changed" else (c.note if c.change == "added" else "")
        j = c.judgement or ""
        cells = [c.change, c.key, old, new, f"[{JUDGE_STYLE.get(j, 'dim')}]{j}[/]" if j else "",
                 _loc(c.new) or _loc(c.old)]
        if with_edits:
            from rich.markup import escape

            cells.append(escape(edit_text(c.edits)))
        t.add_row(*cells)
    console.print(t)


def _terminal_facts(diff: Diff, console) -> None:
    from rich.table import Table

    for kind, title in (("project", "Projects"), ("responsibility", "Responsibilities")):
        rows = _of(diff, kind)
        if not rows:
            continue
        t = Table(title=title, show_lines=True)
        for col in ("change", kind if kind == "project" else "task", "detail", "where"):
            t.add_column(col, overflow="fold")
        for c in rows:
            t.add_row(c.change, c.key, c.note, _loc(c.new) or _loc(c.old))
        console.print(t)


def _terminal_sections(diff: Diff, console) -> None:
    rows = _of(diff, "section")
    if not rows:
        return
    console.print("[bold]Sections[/bold]")
    style = {"added": "green", "removed": "red", "moved": "cyan", "renamed": "magenta"}
    for c in rows:
        detail = c.note or c.key
        console.print(f"  [{style.get(c.change, 'white')}]{c.change:<8}[/] {detail}")


def _terminal_text(diff: Diff, console, limit: int, Text) -> None:
    rows = _of(diff, "text")
    if not rows:
        return
    legend = "  [-removed-] {+added+}" if plain(console) else ""
    console.print(f"[bold]Text changes[/bold] ({len(rows)}{', first ' + str(limit) if len(rows) > limit else ''})"
                  f"{legend}", markup=True, highlight=False)
    marks = plain(console)
    for c in rows[:limit]:
        line = Text("  ")
        line.append(_loc(c.new) or _loc(c.old), style="dim")
        line.append("  ")
        if c.change == "added":
            line.append(("+ " if marks else "") + _short((c.new or {}).get("quote", "")), style="green")
        elif c.change == "removed":
            line.append(("- " if marks else "") + _short((c.old or {}).get("quote", "")), style="red strike")
        else:
            for tag, a, b in compact_ops(_ops_for(diff, c)):
                if tag == "equal":
                    line.append(a)
                if tag in ("delete", "replace") and a:
                    line.append(f"[-{a}-]" if marks else a, style="red strike")
                if tag in ("insert", "replace") and b:
                    line.append(f"{{+{b}+}}" if marks else b, style="bold green")
        console.print(line)


def _terminal_shared(diff: Diff, console) -> None:
    from rich.table import Table

    from queries.diff import target_text

    if not diff.shared_targets:
        return
    t = Table(title=f"Shared indicators ({len(diff.shared_targets)})")
    for col in ("indicator", diff.old["label"], diff.new["label"], "judgement"):
        t.add_column(col, overflow="fold")
    for s in diff.shared_targets:
        j = s.get("judgement") or "same"
        t.add_row(s["indicator"], target_text(s["old"]), target_text(s["new"]), f"[{JUDGE_STYLE.get(j, 'dim')}]{j}[/]")
    console.print(t)


def _short(s: str, n: int = 120) -> str:
    s = s.replace("\n", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def _ops_for(diff: Diff, change) -> list[list[str]]:
    """The full token ops of a modified paragraph, found in the side-by-side pairs."""
    old_q, new_q = (change.old or {}).get("quote", "").strip(), (change.new or {}).get("quote", "").strip()
    for p in diff.sections:
        for para in p.paragraphs:
            if para.get("tokens") and para["old"] == old_q and para["new"] == new_q:
                return para["tokens"]
    ops: list[list[str]] = []
    for e in change.edits:
        ops.append([e["op"], e["old"], e["new"]])
    return ops


# --- markdown ---------------------------------------------------------------------------
def _md_cell(s) -> str:
    return str(s if s is not None else "").replace("|", "\\|").replace("\n", " ")


def _md_ops(ops: list[list[str]]) -> str:
    out = []
    for tag, a, b in compact_ops(ops):
        if tag == "equal":
            out.append(a)
        if tag in ("delete", "replace") and a:
            out.append(f"~~{a}~~")
        if tag in ("insert", "replace") and b:
            out.append(f"**{b}**")
    return "".join(out)


def to_markdown(diff: Diff) -> str:
    o, n = diff.old, diff.new
    lines = [f"# Diff: {o['label']} → {n['label']}", "",
             f"- old: {o.get('title') or ''} (`{o['doc_id']}`)", f"- new: {n.get('title') or ''} (`{n['doc_id']}`)", "",
             "## Summary", "", "| kind | added | removed | changed | renamed | moved | modified |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for label, counts in summary_rows(diff):
        lines.append(f"| {label} | " + " | ".join(str(counts.get(ch, "")) for ch in
                                                  ("added", "removed", "changed", "renamed", "moved", "modified")) + " |")
    judged = diff.summary.get("targets_judged", {})
    if judged:
        lines += ["", "Target changes: " + ", ".join(f"{v} {k}" for k, v in judged.items())]
    if _of(diff, "target"):
        lines += ["", "## Targets", "", "| change | indicator | change detail | judgement | old quote | new quote | where |",
                  "|---|---|---|---|---|---|---|"]
        for c in _of(diff, "target"):
            detail = c.note + (f" ({_md_ops([[e['op'], e['old'], e['new']] for e in c.edits])})" if c.edits else "")
            lines.append(f"| {c.change} | {_md_cell(c.key)} | {_md_cell(detail)} | {c.judgement or ''} | "
                         f"{_md_cell((c.old or {}).get('quote'))} | {_md_cell((c.new or {}).get('quote'))} | "
                         f"{_md_cell(_loc(c.new) or _loc(c.old))} |")
    for kind, title in (("project", "Projects"), ("responsibility", "Responsibilities"), ("section", "Sections")):
        rows = _of(diff, kind)
        if rows:
            lines += ["", f"## {title}", ""]
            lines += [f"- **{c.change}** {c.key}" + (f" — {c.note}" if c.note else "") for c in rows]
    texts = _of(diff, "text")
    if texts:
        lines += ["", "## Text changes", ""]
        for c in texts:
            where = _loc(c.new) or _loc(c.old)
            if c.change == "modified":
                body = _md_ops(_ops_for(diff, c))
            elif c.change == "added":
                body = f"**{(c.new or {}).get('quote', '')}**"
            else:
                body = f"~~{(c.old or {}).get('quote', '')}~~"
            lines.append(f"- *{where}* ({c.change}): {_md_cell(body)}")
    return "\n".join(lines) + "\n"


# --- html -------------------------------------------------------------------------------
CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;
 color:#1f2328;background:#f6f8fa;font-size:14px;line-height:1.6}
header{background:#24292f;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px;font-size:20px}
header .sides{display:grid;grid-template-columns:1fr 1fr;gap:16px;font-size:13px;color:#d0d7de}
header .sides b{color:#fff}
main{padding:18px 28px}
section.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 18px;margin-bottom:18px}
h2{font-size:16px;margin:0 0 10px}
.counts{display:flex;gap:10px;flex-wrap:wrap}
.count{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;min-width:110px}
.count .n{font-size:20px;font-weight:600}
.count .l{font-size:12px;color:#57606a}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #eaeef2;padding:6px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa;font-weight:600;font-size:13px;white-space:nowrap}
table:not(.sxs)>tbody>tr>td:first-child{white-space:nowrap}
tr.tightened td.j{background:#dafbe1;color:#116329;font-weight:600}
tr.loosened td.j{background:#ffebe9;color:#a40e26;font-weight:600}
tr.mixed td.j{background:#fff8c5}
td.q{font-size:12px;color:#57606a;max-width:320px}
.badge{display:inline-block;white-space:nowrap;border-radius:10px;padding:0 8px;font-size:11px;font-weight:600;margin-left:6px;
 vertical-align:middle;line-height:18px}
.b-moved{background:#ddf4ff;color:#0550ae}.b-renamed{background:#fbefff;color:#8250df}
.b-added{background:#dafbe1;color:#116329}.b-removed{background:#ffebe9;color:#a40e26}
.b-modified{background:#fff8c5;color:#7d4e00}.b-same{background:#eaeef2;color:#57606a}
.sxs{width:100%;table-layout:fixed}
.sxs td{width:50%;border-bottom:1px solid #f0f2f4;font-size:13.5px}
.sxs tr.head td{background:#f6f8fa;font-weight:600;border-top:2px solid #d0d7de}
.sxs .path{font-size:11px;color:#57606a;font-weight:400}
.sxs td.eq{color:#57606a}
del{background:#ffcecb;color:#82071e;text-decoration:line-through;border-radius:2px}
ins{background:#aceebb;color:#0a3622;text-decoration:none;border-radius:2px;font-weight:600}
td.gone{background:#fff5f5}td.new{background:#f3fff5}
.empty{background:repeating-linear-gradient(45deg,#fafbfc,#fafbfc 6px,#f0f2f4 6px,#f0f2f4 12px)}
details>summary{cursor:pointer;color:#57606a;font-size:12px;padding:4px 0}
.muted{color:#57606a;font-size:12px}
"""


def _e(s) -> str:
    return html.escape(str(s if s is not None else ""))


def _html_ops(ops: list[list[str]], side: str) -> str:
    out = []
    for tag, a, b in ops:
        if tag == "equal":
            out.append(_e(a if side == "old" else b))
        elif side == "old" and tag in ("delete", "replace") and a:
            out.append(f"<del>{_e(a)}</del>")
        elif side == "new" and tag in ("insert", "replace") and b:
            out.append(f"<ins>{_e(b)}</ins>")
    return "".join(out)


def _html_summary(diff: Diff) -> str:
    by = diff.summary.get("by_kind", {})
    judged = diff.summary.get("targets_judged", {})
    cards = []
    for kind, zh in KIND_ZH.items():
        total = sum(by.get(kind, {}).values())
        detail = "，".join(f"{CHANGE_ZH.get(k, k)}{v}" for k, v in by.get(kind, {}).items())
        cards.append(f'<div class="count"><div class="n">{total}</div><div class="l">{zh}变化 {_e(detail)}</div></div>')
    j = "".join(f'<span class="badge b-{"added" if k == "tightened" else "removed" if k == "loosened" else "modified"}">'
                f'{JUDGE_ZH.get(k, k)} {v}</span>' for k, v in judged.items())
    return (f'<section class="card"><h2>概要 Summary {j}</h2><div class="counts">{"".join(cards)}</div>'
            f'<p class="muted">共 {diff.summary.get("n_changes", 0)} 处变化；章节对齐率 '
            f'{diff.summary.get("aligned_sections", 0):.0%}；共有指标 {diff.summary.get("shared_indicators", 0)} 个。</p></section>')


def _html_target_row(c) -> str:
    old = c.note.split(" → ")[0] if c.change == "changed" else (c.note if c.change == "removed" else "—")
    new = c.note.split(" → ")[-1] if c.change == "changed" else (c.note if c.change == "added" else "—")
    j = c.judgement or ""
    return (f'<tr class="{_e(j)}"><td>{CHANGE_ZH[c.change]}</td><td><b>{_e(c.key)}</b></td><td>{_e(old)}</td>'
            f'<td>{_e(new)}</td><td class="j">{_e(JUDGE_ZH.get(j, ""))}</td>'
            f'<td class="q">{_e((c.old or {}).get("quote"))}<br><span class="muted">{_e(_loc(c.old))}</span></td>'
            f'<td class="q">{_e((c.new or {}).get("quote"))}<br><span class="muted">{_e(_loc(c.new))}</span></td></tr>')


TARGET_HEAD = ('<tr><th>变化</th><th>指标</th><th>原</th><th>新</th><th>判断</th><th>原文（旧）</th>'
               '<th>原文（新）</th></tr>')


def _html_targets(diff: Diff) -> str:
    """Changed targets first (judged green/red); long runs of added/removed ones fold."""
    rows = _of(diff, "target")
    if not rows:
        return '<section class="card"><h2>指标变化 Target changes</h2><p class="muted">无指标变化。</p></section>'
    changed = [c for c in rows if c.change == "changed"]
    one_sided = [c for c in rows if c.change != "changed"]
    body = "".join(_html_target_row(c) for c in changed)
    if len(one_sided) > 8:
        counts = "，".join(f"{CHANGE_ZH[k]} {sum(1 for c in one_sided if c.change == k)}" for k in ("removed", "added"))
        body += (f'<tr><td colspan="7"><details><summary>{counts} 项指标</summary><table>{TARGET_HEAD}'
                 + "".join(_html_target_row(c) for c in one_sided) + "</table></details></td></tr>")
    else:
        body += "".join(_html_target_row(c) for c in one_sided)
    return f'<section class="card"><h2>指标变化 Target changes</h2><table>{TARGET_HEAD}{body}</table></section>'


def _html_facts(diff: Diff) -> str:
    out = []
    for kind, title in (("project", "项目变化 Projects"), ("responsibility", "分工变化 Responsibilities"),
                        ("section", "章节变化 Sections")):
        rows = _of(diff, kind)
        if not rows:
            continue
        trs = "".join(f'<tr><td><span class="badge b-{_e(c.change if c.change in ("added", "removed", "moved", "renamed") else "modified")}">'
                      f'{CHANGE_ZH[c.change]}</span></td><td>{_e(c.key)}</td><td>{_e(c.note)}</td>'
                      f'<td class="muted">{_e(_loc(c.new) or _loc(c.old))}</td></tr>' for c in rows)
        out.append(f'<section class="card"><h2>{title}</h2><table>{trs}</table></section>')
    return "".join(out)


def _html_shared(diff: Diff) -> str:
    from queries.diff import target_text

    if not diff.shared_targets or diff.summary.get("aligned_sections", 1) >= 0.5:
        return ""
    trs = "".join(f'<tr class="{_e(s.get("judgement") or "")}"><td>{_e(s["indicator"])}</td><td>{_e(target_text(s["old"]))}</td>'
                  f'<td>{_e(target_text(s["new"]))}</td><td class="j">{_e(JUDGE_ZH.get(s.get("judgement") or "", "相同"))}</td></tr>'
                  for s in diff.shared_targets)
    return (f'<section class="card"><h2>共有指标 Shared indicators</h2><table><tr><th>指标</th><th>{_e(diff.old["label"])}</th>'
            f'<th>{_e(diff.new["label"])}</th><th>比较</th></tr>{trs}</table></section>')


def _heading_cell(side: dict | None, badges: str = "") -> str:
    if not side:
        return '<td class="empty"></td>'
    path = side["path"].rsplit("/", 1)[0] if "/" in side["path"] else ""
    page = f" · p.{side['page']}" if side.get("page") else ""
    return f'<td>{_e(side["number"])}{_e(side["title"])}{badges}<div class="path">{_e(path)}{page}</div></td>'


def _para_row(p: dict) -> str:
    if p["op"] == "equal":
        return f'<tr><td class="eq">{_e(p["old"])}</td><td class="eq">{_e(p["new"])}</td></tr>'
    if p["op"] == "replace":
        return f'<tr><td>{_html_ops(p["tokens"], "old")}</td><td>{_html_ops(p["tokens"], "new")}</td></tr>'
    if p["op"] == "delete":
        return f'<tr><td class="gone"><del>{_e(p["old"])}</del></td><td class="empty"></td></tr>'
    return f'<tr><td class="empty"></td><td class="new"><ins>{_e(p["new"])}</ins></td></tr>'


def _para_rows(paragraphs: list[dict], keep: int = 1) -> str:
    """Paragraph rows; unchanged runs away from an edit fold (one paragraph of context kept)."""
    changed = [k for k, p in enumerate(paragraphs) if p["op"] != "equal"]
    if not changed:  # a moved or renamed section with the same text
        return _fold(paragraphs) if keep else "".join(_para_row(p) for p in paragraphs)
    near = {k for c in changed for k in range(c - keep, c + keep + 1)}
    rows, run = [], []
    for k, p in enumerate(paragraphs):
        if k in near:
            rows.append(_fold(run))
            run = []
            rows.append(_para_row(p))
        else:
            run.append(p)
    rows.append(_fold(run))
    return "".join(rows)


def _fold(run: list[dict]) -> str:
    if len(run) < 3:
        return "".join(_para_row(p) for p in run)
    return (f'<tr><td colspan="2"><details><summary>{len(run)} 段未变 unchanged</summary><table class="sxs">'
            + "".join(_para_row(p) for p in run) + "</table></details></td></tr>")


def _html_pair(pair, fold: bool = True) -> str:
    badges = "".join(f'<span class="badge b-{s}">{CHANGE_ZH.get(s, "未变")}</span>' for s in pair.status)
    head = f'<tr class="head">{_heading_cell(pair.old, "" if pair.new else badges)}{_heading_cell(pair.new, badges)}</tr>'
    return head + _para_rows(pair.paragraphs, keep=1 if fold else 0)


def _html_unchanged_run(run: list) -> str:
    """Consecutive unchanged sections fold into one row: the changes stay in view."""
    names = "、".join(_e(p.new["number"] + p.new["title"]) for p in run[:4]) + ("…" if len(run) > 4 else "")
    inner = "".join(_html_pair(p, fold=False) for p in run)
    return (f'<tr><td colspan="2"><details><summary>{len(run)} 节未变 unchanged：{names}</summary>'
            f'<table class="sxs">{inner}</table></details></td></tr>')


def _html_side_by_side(diff: Diff) -> str:
    blocks, run = [], []
    for pair in diff.sections:
        if pair.status == ["same"]:
            run.append(pair)
            continue
        if run:
            blocks.append(_html_unchanged_run(run))
            run = []
        blocks.append(_html_pair(pair))
    if run:
        blocks.append(_html_unchanged_run(run))
    return (f'<section class="card"><h2>对照 Side by side</h2><table class="sxs"><tr><th>{_e(diff.old["label"])}（旧）</th>'
            f'<th>{_e(diff.new["label"])}（新）</th></tr>{"".join(blocks)}</table></section>')


def _html_body(diff: Diff) -> str:
    """Two versions of one plan: changes first.  Two different plans: what they share first."""
    parts = [_html_targets(diff), _html_facts(diff), _html_side_by_side(diff)]
    shared = _html_shared(diff)
    return shared + "".join(parts) if shared else "".join(parts)


def to_html(diff: Diff) -> str:
    o, n = diff.old, diff.new
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(o['label'])} → {_e(n['label'])} · cnpolicy diff</title>
<style>{CSS}</style></head><body>
<header><h1>规划对照 · {_e(o['label'])} → {_e(n['label'])}</h1><div class="sides">
<div><b>旧 old</b> {_e(o.get('title'))}<br>{_e(o['doc_id'])}</div>
<div><b>新 new</b> {_e(n.get('title'))}<br>{_e(n['doc_id'])}</div></div></header>
<main>{_html_summary(diff)}{_html_body(diff)}</main>
</body></html>
"""
