"""Charts with Chinese labels out of the box.

The font is Noto Sans CJK (SIL OFL 1.1), installed with cnpolicy by the ``noto-cjk-sans-otc``
package, so no system font is needed; a system CJK font is the fallback.  ``font_path()``
is the file web pages may serve for their own charts.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from queries.compare import CHANGE, format_target

CJK_FONT_FILES = ("wqy-zenhei.ttc", "wqy-microhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf",
                  "NotoSansSC-Regular.otf", "NotoSerifCJK-Regular.ttc", "SourceHanSansSC-Regular.otf",
                  "DroidSansFallbackFull.ttf", "simhei.ttf", "msyh.ttc")


@lru_cache(maxsize=1)
def font_path() -> str | None:
    """The CJK font file charts use: the packaged Noto Sans CJK, else a system CJK font."""
    try:
        from noto_cjk_sans_otc import FONT_PATH

        if Path(str(FONT_PATH)).is_file():
            return str(FONT_PATH)
    except ImportError:
        pass
    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        if Path(path).name in CJK_FONT_FILES:
            return path
    for name in ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei"):
        try:
            return font_manager.findfont(name, fallback_to_default=False)
        except ValueError:
            continue
    return None


def cjk_font():
    """A FontProperties for the CJK font, or None."""
    from matplotlib import font_manager

    path = font_path()
    return font_manager.FontProperties(fname=path) if path else None


def _bars(ax, rows: list[dict], font, color: str, ylabel: str) -> None:
    labels = [f"{r['region'] or r['source_file']}\n{r['year'] or ''}" for r in rows]
    bars = ax.bar(range(len(rows)), [r["value"] or 0.0 for r in rows], color=color)
    for bar, r in zip(bars, rows):
        ax.annotate(format_target(r), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=9, fontproperties=font, xytext=(0, 2),
                    textcoords="offset points")
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(labels, fontproperties=font)
    ax.set_ylabel(ylabel, fontproperties=font)
    ax.margins(y=0.15)
    ax.spines[["top", "right"]].set_visible(False)


def plot(rows: list[dict], indicator: str, path: str, subtitle: str | None = None) -> list[str]:
    """A labelled bar chart of compared rows written to ``path`` (PNG): absolute targets
    and relative changes (下降10%) on separate axes, since they share no scale.
    Returns warnings (no CJK font)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    warnings = []
    font = cjk_font()
    if font is None:
        warnings.append("no CJK font found (the noto-cjk-sans-otc package is missing; reinstall cnpolicy): "
                        "Chinese labels may render as boxes")
    import warnings as python_warnings

    with python_warnings.catch_warnings(record=True) as caught:
        python_warnings.simplefilter("always")
        absolute = [r for r in rows if r["comparator"] not in CHANGE]
        changes = [r for r in rows if r["comparator"] in CHANGE]
        groups = [g for g in (absolute, changes) if g]
        fig, axes = plt.subplots(1, len(groups), figsize=(max(5.0, 1.3 * len(rows) + 2.5), 4.5), dpi=120,
                                 gridspec_kw={"width_ratios": [len(g) for g in groups]}, squeeze=False)
        for ax, group in zip(axes[0], groups):
            units = sorted({r["unit"] for r in group if r["unit"]})
            unit = f"（{'、'.join(units)}）" if units else ""
            if group is changes:
                _bars(ax, group, font, "#d98c3f", f"较基期变化幅度{unit}")
            else:
                _bars(ax, group, font, "#3f7fbf", f"目标值{unit}")
        direction = rows[0].get("direction") if rows else None
        order = {"lower_is_better": "（越低越好，按目标从严到宽排序）",
                 "higher_is_better": "（越高越好，按目标从高到低排序）"}.get(direction or "", "")
        period = f"\n{subtitle}" if subtitle else ""
        fig.suptitle(f"{indicator} 目标比较{order}{period}", fontproperties=font)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    warnings += sorted({str(w.message) for w in caught if "Glyph" in str(w.message)})
    return warnings
