"""Crawler JSON (.json): a record of one document as policy crawlers save it —
``{"title", "doc_no", "publish_date", "source_url", "chapters": [{"chapter",
"articles": [{"no", "content"}]}]}``.  The title, chapter names (other than the
placeholder 正文) and each article's content become lines; ``doc_no`` and
``publish_date`` go to ``doc.meta`` when filled.  The crawler's own guesses (region,
doc_type, level) are not read: they are often wrong.  Any other JSON is refused as
unsupported, with what was expected.
"""
from __future__ import annotations

import html
import json

from corpus.model import Document, LoadError

UNSUPPORTED = "unsupported JSON: expected a crawler record with title and chapters[].articles[].content"
PLACEHOLDER_CHAPTERS = {"正文", "全文", ""}


def load_bytes(path: str, data: bytes) -> Document:
    from corpus.loaders.txt import decode

    text, encoding = decode(path, data)
    try:
        record = json.loads(text.lstrip("\ufeff"))
    except (json.JSONDecodeError, RecursionError) as e:
        raise LoadError(path, f"not valid JSON: {getattr(e, 'msg', 'nested too deeply')}")
    lines = record_lines(record)
    if lines is None:
        raise LoadError(path, UNSUPPORTED)
    doc = Document(doc_id="", source_path=path, file_type="json", raw_text="\n".join(lines) + "\n",
                   encoding=encoding)
    for key, field in (("doc_no", "doc_number"), ("publish_date", "issue_date"), ("source_url", "source_url")):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            doc.meta[field] = value.strip()
    return doc


def record_lines(record) -> list[str] | None:
    if not isinstance(record, dict) or not isinstance(record.get("chapters"), list):
        return None
    lines = [str(record["title"]).strip()] if isinstance(record.get("title"), str) else []
    found = False
    for chapter in record["chapters"]:
        if not isinstance(chapter, dict):
            continue
        name = chapter.get("chapter")
        if isinstance(name, str) and name.strip() not in PLACEHOLDER_CHAPTERS:
            lines.append(name.strip())
        for article in chapter.get("articles") or []:
            content = article.get("content") if isinstance(article, dict) else None
            if isinstance(content, str) and content.strip():
                lines.extend(html.unescape(x).rstrip() for x in content.strip().split("\n"))
                found = True
    return lines if found else None
