"""HTML: the article text of a government web page, without the site around it.

Charset from the BOM or ``<meta>`` (GB2312/GBK read as their superset GB18030), else the
strict text decoder.  Scripts, styles, navigation, header/footer and forms are dropped;
block elements become lines; data tables become ``Table`` rows (tab-joined cells) while
layout tables (nested tables, one column, very long cells) are read as ordinary blocks.
Site chrome that lives in plain ``<div>``s (breadcrumbs, 字号 大中小, 打印本页, share
buttons, IPv6/无障碍 badges, ICP footers) is removed line by line with general patterns.
"""
from __future__ import annotations

import re

from corpus.loaders import join_lines
from corpus.model import Document, LoadError, Table

DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "iframe", "form", "select",
             "button", "input", "aside", "template", "svg", "object", "embed", "head"]
BLOCK_TAGS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
              "dl", "dt", "dd", "blockquote", "pre", "center", "address", "figure", "figcaption", "tr",
              "hr", "title", "body", "html", "caption", "fieldset", "legend"}
# id/class names of page furniture; an element so named is dropped only if its text is short
CHROME_ATTR = re.compile(r"breadcrumb|crumb|position|location|share|toolbar|print|fontsize|font-size|"
                         r"(?:^|[-_])(?:nav|menu|footer|header|topbar|sidebar)(?:$|[-_])|copyright|"
                         r"ipv6|wza|accessib", re.I)
# chrome phrases inside text lines; a line left with only separators is dropped
CHROME_TEXT = re.compile(
    r"(?:当前位置|您现在的位置|您当前的位置|所在位置|当前所在位置)\s*[:：]?.*"
    r"|【?\s*字号\s*[:：]?\s*(?:[大中小]\s*){0,3}】?|【?\s*字体\s*[:：]?\s*(?:[大中小]\s*){1,3}】?"
    r"|网站支持\s*IPv6|无障碍(?:阅读|浏览|服务)?|适老化(?:服务)?|长者模式|关怀版|繁体版|简体版|简\s*体\s*[|｜/]\s*繁\s*体"
    r"|分享到\s*[:：]?(?:\s*(?:微信|微博|QQ空间|QQ|朋友圈|新浪微博|腾讯微博))*|【?\s*打印本?页?\s*】?|【?\s*关闭(?:本页|窗口)\s*】?"
    r"|【?\s*(?:收藏|返回顶部|返回首页)\s*】?|扫一扫在手机(?:上)?打开当前页|浏览次数\s*[:：]?\s*\d*|访问量\s*[:：]?\s*\d*"
    r"|(?:网站标识码|ICP备案号|[京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵云陕甘青蒙桂藏宁新]ICP备|公网安备|政府网站标识码)[^\n]*"
    r"|(?:主办单位|承办单位|技术支持|版权所有|联系我们|网站地图|网站声明)\s*[:：]?[^\n]{0,40}"
    r"|(?:上一篇|下一篇)\s*[:：][^\n]*|【\s*(?:打印|关闭|纠错)\s*】"
    r"|(?<![\u4e00-\u9fff])(?:登录|注册|English)(?![\u4e00-\u9fffA-Za-z])"
)
SEPARATORS = re.compile(r"^[\s|｜/\\>›»·•,，:：【】\[\]()（）-]*$")


def load_bytes(path: str, data: bytes) -> Document:
    warnings: list[str] = []
    text, encoding = decode_html(path, data, warnings)
    lines, tables = extract(text)
    raw, spans = join_lines(lines)
    doc_tables = [Table(rows=rows, start=spans[i][0], end=spans[j][1]) for rows, i, j in tables]
    doc = Document(doc_id="", source_path=path, file_type="html", raw_text=raw, tables=doc_tables,
                   encoding=encoding)
    if warnings:
        doc.meta["load_warnings"] = warnings
    return doc


# --- charset ------------------------------------------------------------------------
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


def decode_html(path: str, data: bytes, warnings: list[str] | None = None) -> tuple[str, str]:
    from corpus.loaders.txt import decode

    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode(path, data, warnings)
    m = META_CHARSET.search(data[:4096])
    if m:
        declared = m.group(1).decode("ascii").lower()
        enc = SUPERSET.get(declared, declared)
        try:
            return data.decode(enc), declared
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration, or damaged bytes: fall back to detection
    return decode(path, data, warnings)


# --- text ---------------------------------------------------------------------------
def extract(html: str) -> tuple[list[str], list[tuple[list[list[str]], int, int]]]:
    """Lines of the article and its data tables as (rows, first line, last line)."""
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

    markup_strings = (Comment, Declaration, Doctype, ProcessingInstruction, CData)

    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception as e:
        raise LoadError("", f"not a valid HTML page: {e}")
    for tag in soup(DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_chrome_element):
        tag.decompose()

    lines: list[str] = []
    tables: list[tuple[list[list[str]], int, int]] = []
    buf: list[str] = []

    def flush() -> None:
        line = re.sub(r"[ \t\r\n\u00a0]+", " ", "".join(buf)).strip()
        buf.clear()
        line = strip_chrome(line)
        if line:
            lines.append(line)

    def walk(root) -> None:
        """Depth-first over the tree with an explicit stack: pages nested 100k deep
        (damaged or hostile HTML) would exhaust Python's recursion limit."""
        stack = [iter(root.children)]
        closes = [False]  # does leaving this level end a block (flush)?
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                if closes.pop():
                    flush()
                continue
            if isinstance(child, markup_strings):
                continue
            if isinstance(child, NavigableString):
                buf.append(str(child))
            elif isinstance(child, Tag):
                if child.name == "br":
                    flush()
                elif child.name == "table" and is_data_table(child):
                    flush()
                    rows = table_rows(child)
                    if rows:
                        first = len(lines)
                        lines.extend("\t".join(r) for r in rows)
                        tables.append((rows, first, len(lines) - 1))
                else:
                    block = child.name in BLOCK_TAGS or child.name in ("table", "td", "th")
                    if block:
                        flush()
                    stack.append(iter(child.children))
                    closes.append(block)

    walk(soup)
    flush()
    return lines, tables


def _is_chrome_element(tag) -> bool:
    attrs = " ".join([tag.get("id") or ""] + list(tag.get("class") or []))
    return bool(attrs.strip()) and bool(CHROME_ATTR.search(attrs)) and len(tag.get_text(strip=True)) < 300


def strip_chrome(line: str) -> str:
    if len(line) > 200:  # article paragraphs are long; chrome lines are short
        return line
    out = CHROME_TEXT.sub(" ", line)
    return "" if SEPARATORS.match(out) else re.sub(r"\s{2,}", " ", out).strip()


def is_data_table(table) -> bool:
    """A table of data, not one used to lay out the page."""
    if table.find("table"):
        return False
    rows = table.find_all("tr")
    if len(rows) < 2:
        return False
    cells = [c for r in rows for c in r.find_all(["td", "th"], recursive=False)]
    if max(len(r.find_all(["td", "th"], recursive=False)) for r in rows) < 2:
        return False
    return all(len(c.get_text(strip=True)) <= 800 for c in cells)


def table_rows(table) -> list[list[str]]:
    rows = []
    for tr in table.find_all("tr"):
        cells = []
        for c in tr.find_all(["td", "th"], recursive=False):
            text = re.sub(r"\s+", " ", c.get_text(" ", strip=True)).strip()
            cells.append(text)
            cells.extend([""] * (_int(c.get("colspan")) - 1))  # keep columns aligned
        if any(cells):
            rows.append(cells)
    return rows


def _int(v) -> int:
    try:
        return max(1, min(int(v), 50))
    except (TypeError, ValueError):
        return 1

