"""Offline OCR (rapidocr-onnxruntime, models inside the wheel) of image-only PDF pages.

The image-only PDF is made here from a fixture: render → image → PDF, so it has no text
layer at all, only the picture of the text."""
from pathlib import Path

import pytest

from corpus.loaders import load, ocr
from corpus.model import LoadError
from corpus.normalise import normalise

FIX = Path("tests/fixtures")
pytestmark = pytest.mark.skipif(not ocr.available(), reason="rapidocr-onnxruntime not installed")


def image_only_pdf(path: Path, top_share: float = 0.3) -> Path:
    """The top of plan.pdf's first page as a bitmap in a PDF (cropped: OCR is slow on CPU)."""
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(str(FIX / "plan.pdf"))[0]
    img = page.render(scale=2).to_pil().convert("RGB")
    img = img.crop((0, 0, img.width, int(img.height * top_share)))
    img.save(path, "PDF", resolution=144)
    return path


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    return image_only_pdf(tmp_path_factory.mktemp("ocr") / "scan.pdf")


def test_image_only_pdf_is_ocrd_with_page_provenance(scanned):
    import pypdfium2 as pdfium

    assert not pdfium.PdfDocument(str(scanned))[0].get_textpage().get_text_range().strip()  # no text layer
    doc = normalise(load(scanned, ocr="auto"))
    assert doc.meta["ocr_pages"] == [1]
    assert [p.source for p in doc.pages] == ["ocr"]
    assert "应急管理是国家治理体系和治理能力现代化的重要组成部分" in doc.text
    at = doc.text.index("应急管理")
    assert doc.page_at(at) == 1


def stamp_page_number(src: Path, out: Path, stamp: str = "- 1 -", invisible: bool = False) -> Path:
    """Add a text-layer page number ("- 1 -") to the scan, as scanning software does;
    ``invisible``: a hidden text layer, as OCR'd scans carry."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    pdf = pdfium.PdfDocument(str(src))
    page = pdf[0]
    obj = c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(10))
    text = ctypes.create_string_buffer((stamp + "\x00").encode("utf-16-le"))
    c.FPDFText_SetText(obj, ctypes.cast(text, ctypes.POINTER(c.FPDF_WCHAR)))
    c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 280, 10)
    if invisible:
        c.FPDFTextObj_SetTextRenderMode(obj, c.FPDF_TEXTRENDERMODE_INVISIBLE)
    c.FPDFPage_InsertObject(page.raw, obj)
    c.FPDFPage_GenerateContent(page.raw)
    pdf.save(str(out))
    return out


def test_scan_with_a_stamped_page_number_is_still_ocrd(scanned, tmp_path):
    stamped = stamp_page_number(scanned, tmp_path / "stamped.pdf")
    doc = load(stamped, ocr="auto")
    assert doc.meta["ocr_pages"] == [1]
    assert "应急管理是国家治理体系" in normalise(doc).text


def test_garbage_text_layer_over_the_scan_is_replaced_by_ocr(scanned, tmp_path):
    """A hidden text layer without a ToUnicode map reads as `(cid:NN)` runs: OCR reads the page."""
    garbage = stamp_page_number(scanned, tmp_path / "cid.pdf", stamp="(cid:12)(cid:345)(cid:67)" * 8, invisible=True)
    doc = load(garbage, ocr="auto")
    assert doc.meta["ocr_pages"] == [1] and "(cid:" not in doc.raw_text
    assert "应急管理是国家治理体系" in normalise(doc).text


def test_ocr_never_refuses_with_a_reason(scanned):
    with pytest.raises(LoadError, match=r"no text layer \(scanned/image-only PDF\); OCR not run \(--ocr never\)"):
        load(scanned, ocr="never")


def test_ocr_mode_from_environment(monkeypatch):
    monkeypatch.setenv("CNPOLICY_OCR", "never")
    assert ocr.mode() == "never" and ocr.mode("always") == "always"
    monkeypatch.delenv("CNPOLICY_OCR")
    assert ocr.mode() == "auto"
    with pytest.raises(ValueError, match="--ocr must be one of"):
        ocr.mode("sometimes")


def test_text_pdf_is_not_ocrd_in_auto_mode():
    doc = load(FIX / "plan.pdf", ocr="auto")
    assert "ocr_pages" not in doc.meta and {p.source for p in doc.pages} == {"text"}


def test_boxes_become_lines_in_reading_order():
    boxes = [
        [[[300, 10], [400, 10], [400, 30], [300, 30]], "第二段", 0.9],
        [[[10, 12], [290, 12], [290, 30], [10, 30]], "第一段", 0.9],
        [[[10, 50], [200, 50], [200, 70], [10, 70]], "下一行", 0.9],
    ]
    assert ocr.lines_from_boxes(boxes) == "第一段第二段\n下一行"


def test_cli_rejects_an_unknown_ocr_mode(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["ingest", str(FIX / "plan_utf8.txt"), "--db", str(tmp_path / "x.duckdb"),
                                      "--ocr", "sometimes", "-q"])
    assert result.exit_code == 2 and "--ocr must be auto, always or never" in result.output
