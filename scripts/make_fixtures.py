"""Generate the loader test fixtures in tests/fixtures/ from the seed documents.

Run `make fixtures` (or `.venv/bin/python scripts/make_fixtures.py`).  The outputs are
committed, so tests need neither fonts nor LibreOffice; only this generator does:
a CJK TrueType font (Debian: `apt-get install -y fonts-wqy-zenhei`) and reportlab.

Everything is derived from corpus/samples/*.txt (excerpts, their tables), so the
fixtures hold real plan text; nothing here is read by the pipeline at run time.
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.chinese import to_traditional  # noqa: E402
from corpus.loaders.txt import find_text_tables  # noqa: E402
from corpus.normalise import HEADING_START, normalise_text  # noqa: E402

OUT = ROOT / "tests" / "fixtures"
SAMPLES = ROOT / "corpus" / "samples"
FONT_PATHS = ["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"]


def seed(prefix: str) -> str:
    return next(SAMPLES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


# --- seed text → blocks (heading / paragraph / table) ------------------------------
def blocks(text: str, max_chars: int | None = None) -> list[tuple[str, object]]:
    """Headings, paragraphs and tables of a seed, in order (normalised cells)."""
    tables = find_text_tables(text)
    out: list[tuple[str, object]] = []
    pos, size = 0, 0
    for t in tables + [None]:
        end = t.start if t else len(text)
        for line in text[pos:end].split("\n"):
            line = normalise_text(line).text.strip()
            if not line:
                continue
            kind = "h" if len(line) <= 30 and (HEADING_START.match(line) or not re.search(r"[。；，]", line)) else "p"
            out.append((kind, line))
            size += len(line)
        if t:
            out.append(("table", t.rows))
            size += sum(len(c) for r in t.rows for c in r)
            pos = t.end
        if max_chars and size >= max_chars:
            break
    return out


def indicator_table() -> list[list[str]]:
    """Seed 003's indicator tables as one table: header + all data rows."""
    tables = find_text_tables(seed("003"))
    rows = [tables[0].rows[0]]
    for t in tables:
        rows += t.rows[1:]
    return rows


# --- PDF --------------------------------------------------------------------------
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = next((p for p in FONT_PATHS if Path(p).exists()), None)
    if path is None:
        sys.exit("no CJK font: apt-get install -y fonts-wqy-zenhei")
    pdfmetrics.registerFont(TTFont("WQY", path, subfontIndex=0))  # subset embedded on save
    return "WQY"


class FillTo:
    """A flowable that eats the rest of the frame but ``leave`` points, so the next
    flowable (a table) starts near the bottom and must continue on the next page."""

    def __new__(cls, leave: float):
        from reportlab.platypus import Flowable

        class _Fill(Flowable):
            def wrap(self, aw, ah):
                self.height = max(0.0, ah - leave)
                return aw, self.height

            def draw(self):
                pass

        return _Fill()


def build_pdf(path: Path, content: list[tuple[str, object]], table_at_page_end: bool = False) -> None:
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    rl_config.invariant = 1  # no timestamps/random ids: reruns give identical bytes
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=17, wordWrap="CJK", firstLineIndent=22)
    head = ParagraphStyle("head", fontName=font, fontSize=14, leading=22, spaceBefore=6, spaceAfter=4)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    story = []
    for kind, value in content:
        if kind == "h":
            story.append(Paragraph(str(value), head))
        elif kind == "p":
            story.append(Paragraph(str(value), body))
        else:
            rows = [[Paragraph(c, cell) for c in r] for r in value]  # type: ignore[union-attr]
            width = len(rows[0])
            col = [(A4[0] - 144) / width] * width
            if table_at_page_end:
                story.append(FillTo(110))
            table = Table(rows, colWidths=col, repeatRows=1)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [table, Spacer(1, 8)]
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=72, rightMargin=72, topMargin=72, bottomMargin=72,
                      title="fixture", author="cnpolicy").build(story)


def build_scanned_pdf(path: Path) -> None:
    """Pages with only graphics and a bitmap: what a scanner produces (no text layer)."""
    from PIL import Image
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rl_config.invariant = 1
    rng = random.Random(3)
    img = Image.new("L", (120, 160), 255)
    for _ in range(900):  # ink specks where glyphs would be
        img.putpixel((rng.randrange(120), rng.randrange(160)), 0)
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        c.drawImage(ImageReader(img), 72, 300, width=450, height=450)
        c.rect(60, 60, 475, 720)
        c.showPage()
    c.save()


def build_encrypted_pdf(path: Path) -> None:
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    rl_config.invariant = 1
    c = canvas.Canvas(str(path), pagesize=A4, encrypt="secret")  # user password required
    c.setFont(_font(), 12)
    c.drawString(72, 760, normalise_text(seed("001").split("\n")[0]).text[:30])
    c.save()


# --- DOCX -------------------------------------------------------------------------
def build_docx(path: Path, content: list[tuple[str, object]]) -> None:
    import datetime as dt

    from docx import Document

    d = Document()
    d.core_properties.created = d.core_properties.modified = dt.datetime(2024, 1, 1)
    first = True
    for kind, value in content:
        if kind == "h":
            d.add_heading(str(value), level=0 if first else 1)
            first = False
        elif kind == "p":
            d.add_paragraph(str(value))
        else:
            rows = value  # type: ignore[assignment]
            table = d.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
    d.save(str(path))


# --- HTML -------------------------------------------------------------------------
CHROME_TOP = """<div class="top">网站支持IPv6 | 无障碍阅读 | 简体|繁体 | 登录</div>
<nav><a href="/">首页</a> <a href="/zwgk">政务公开</a> <a href="/bsfw">办事服务</a></nav>
<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 规划计划</div>
<div class="tools">【字号：大 中 小】 发布时间：2021-12-30 来源：市应急管理局 浏览次数：1234</div>"""
CHROME_BOTTOM = """<div class="share">分享到：微信 微博 QQ空间</div>
<div class="ops">【打印本页】 【关闭窗口】</div>
<footer>主办单位：某市人民政府办公室 网站标识码：1234567890 ICP备案号：京ICP备00000000号</footer>"""


def build_html(path: Path, content: list[tuple[str, object]], encoding: str = "gbk") -> None:
    from html import escape

    parts = []
    for kind, value in content:
        if kind == "h":
            parts.append(f"<h2>{escape(str(value))}</h2>")
        elif kind == "p":
            parts.append(f"<p style=\"text-indent:2em\">{escape(str(value))}</p>")
        else:
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in value)  # type: ignore[union-attr]
            parts.append(f"<table border=\"1\"><tbody>{rows}</tbody></table>")
    html = (f"<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={encoding}\">"
            f"<title>规划 - 某市人民政府</title><style>p{{margin:0}}</style>"
            f"<script>var _hmt = _hmt || []; document.write('统计代码');</script></head><body>"
            f"{CHROME_TOP}<div class=\"article\">{''.join(parts)}</div>{CHROME_BOTTOM}</body></html>")
    path.write_bytes(html.encode(encoding))


# --- everything ---------------------------------------------------------------------
def enclosing_headings(plan: list[tuple[str, object]], at: int) -> list[tuple[str, object]]:
    """The chapter and section headings an excerpt starting at ``at`` sits under, so the
    excerpt keeps its place in the plan (a goals table must not land under 十三五 results)."""
    chapter = re.compile(r"^第[一二三四五六七八九十]+章")
    section = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
    found = []
    for pattern in (chapter, section):
        for i in range(at - 1, -1, -1):
            kind, text = plan[i]
            if kind == "h" and pattern.match(str(text)):
                found.append((i, plan[i]))
                break
    return [b for _, b in sorted(found)]


def excerpt(prefix: str, n_lines: int) -> str:
    return "\n".join(seed(prefix).split("\n")[:n_lines]) + "\n"


# --- excerpts of real files (../shared/eval/real): layouts no generator reproduces ----------
REAL = ROOT.parent / "shared" / "eval" / "real"
REAL_PDF_PAGES = {  # fixture -> (real file, 0-based pages kept)
    "web_printed.pdf": ("docs/liaoning_yingjiting_yuan-tixi-jianyi-dafu_2025.pdf", [0]),  # ruled frame round the page
    "cnki.pdf": ("docs/yunnan-sheng_guomin-jingji-15-jihua-gangyao_2001_cnki.pdf", [0, 1]),  # fonts not embedded, spaced digits
}
REAL_TEXT_LINES = {  # fixture -> (real file, first lines kept)
    "crawler.md": ("unlabelled/shanghai_keji-fuwuye-ruogan-yijian_2025.md", 40),
}
REAL_FIXTURES = set(REAL_PDF_PAGES) | set(REAL_TEXT_LINES) | {"crawler.json"}


def build_real_excerpts() -> None:
    """A page or a few lines of real files; kept as they are when ../shared is absent."""
    import json

    import pypdfium2 as pdfium

    if not REAL.is_dir():
        print(f"{REAL} not found: real excerpts kept as committed")
        return
    for name, (src, pages) in REAL_PDF_PAGES.items():
        new = pdfium.PdfDocument.new()
        new.import_pages(pdfium.PdfDocument(str(REAL / src)), pages)
        new.save(str(OUT / name))
    for name, (src, n) in REAL_TEXT_LINES.items():
        lines = (REAL / src).read_text(encoding="utf-8").split("\n")[:n]
        (OUT / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    record = json.loads((REAL / "unlabelled/shanghai_qiye-anquan-shengchan-shishi-yijian_2010_crawljson.json")
                        .read_text(encoding="utf-8"))
    record["chapters"] = [dict(c, articles=c["articles"][:6]) for c in record["chapters"][:2]]
    (OUT / "crawler.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        if old.is_file() and not (old.name in REAL_FIXTURES and not REAL.is_dir()):
            old.unlink()
    build_real_excerpts()
    # PDF: headings + paragraphs of seed 003, its indicator tables merged into one table
    # that starts near a page bottom (continues on the next page, header repeated).
    plan = blocks(seed("003"))
    first_table = next(i for i, b in enumerate(plan) if b[0] == "table")
    content = plan[:8] + enclosing_headings(plan, first_table - 8) + plan[first_table - 8:first_table] \
        + [("table", indicator_table())] \
        + [b for b in plan[first_table + 1:first_table + 8] if b[0] != "table"]
    build_pdf(OUT / "plan.pdf", content, table_at_page_end=True)
    pdf = (OUT / "plan.pdf").read_bytes()
    (OUT / "corrupt.pdf").write_bytes(pdf[: len(pdf) // 3])
    # the page tree's second kid points at a free object: pdfium cannot load page 2
    damaged = pdf.replace(b"/Kids [ 3 0 R 4 0 R 5 0 R ]", b"/Kids [ 3 0 R 0 0 R 5 0 R ]")
    assert damaged != pdf, "page tree of plan.pdf changed: update the damaged_page.pdf edit"
    (OUT / "damaged_page.pdf").write_bytes(damaged)
    build_encrypted_pdf(OUT / "encrypted.pdf")
    build_scanned_pdf(OUT / "scanned.pdf")
    # DOCX: seed 003's opening with its first indicator table in body order.
    build_docx(OUT / "plan.docx", plan[:4] + plan[first_table - 4:first_table + 6])
    # HTML with site chrome around seed 000's opening and its 专栏 table (GBK, charset in meta).
    build_html(OUT / "notice.html", blocks(excerpt("000", 90), max_chars=None))
    # TXT in every encoding we read, and a traditional-character version.
    text = excerpt("001", 120)
    (OUT / "plan_utf8.txt").write_text(text, encoding="utf-8")
    (OUT / "plan_utf8_bom.txt").write_bytes(text.encode("utf-8-sig"))
    (OUT / "plan_gbk.txt").write_bytes(text.encode("gbk"))
    (OUT / "plan_utf16.txt").write_bytes(text.encode("utf-16"))  # with BOM
    (OUT / "plan_utf16le_nobom.txt").write_bytes(text.encode("utf-16-le"))
    (OUT / "plan_traditional.txt").write_text(to_traditional(text), encoding="utf-8")
    # Bad input.
    (OUT / "empty.txt").write_bytes(b"  \n\t\r\n")
    (OUT / "notes.xyz").write_text("这不是支持的格式\n", encoding="utf-8")
    (OUT / "old_word.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (OUT / "garbage.txt").write_bytes(random.Random(7).randbytes(3000))
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} fixtures, {total / 1024:.0f} KiB in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
