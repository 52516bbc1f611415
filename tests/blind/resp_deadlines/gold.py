"""Write the blind gold (annotated by hand from reading the files, before the extractor ran
on them): the tuples below were typed from the text; this script only adds the quote's
line number and checks every quote is verbatim."""
import json
from pathlib import Path

U = Path("/work/shared/eval/real/unlabelled")
MED = "shanghai_gaoduan-yiliao-qixie-xingdong-fangan_2025.md"
PJ = "panjin-shi_zhengfu-gongzuo-baogao-renwu-fengong-fangan_2021_pages-excerpt-fanti.txt"
GY = "guangyuan-shi_anquan-shengchan-zhiben-gongjian-sannian-xingdong_2024_pages-excerpt.txt"
DW = "panjin-dawa-qu_zhengfu-gongzuo-baogao-renwu-fenjie_2021_pages-excerpt.txt"

# (line, task, leads) — 责任单位 alone: the listed units lead, nobody supports.
RESP = [
    (51, "加强基础研究和前沿技术攻关", "市科委"),
    (53, "加快关键材料器件研发和核心生产工艺开发", "市科委、市经济信息化委"),
    (55, "加快人工智能技术开发及应用", "市科委、市经济信息化委、市数据局、市卫生健康委、申康医院发展中心"),
    (59, "提升临床研究效能", "市卫生健康委、申康医院发展中心"),
    (61, "推动医工交叉与成果转化", "市科委、市教委、市卫生健康委、市人才局、申康医院发展中心"),
    (65, "强化能力建设", "市药品监管局、国家药监局医疗器械技术审评检查长三角分中心"),
    (67, "深化改革试点", "市药品监管局"),
    (69, "加强创新产品标准规范制定", "市市场监管局"),
    (73, "拓展应用场景", "市卫生健康委、申康医院发展中心"),
    (75, "加快创新医疗器械推广", "市科委、市卫生健康委、市药品监管局、申康医院发展中心"),
    (77, "优化产品支付模式", "市医保局、市委金融办、上海金融监管局、申康医院发展中心"),
    (81, "培育领军企业", "市科委、市发展改革委、市经济信息化委"),
    (83, "支持外资企业在沪研发制造", "市商务委、市科委、市卫生健康委、市药品监管局"),
    (85, "创新企业发展模式", "市科委、市经济信息化委"),
    (89, "完善“三区联动”空间布局", "市科委、市发展改革委、市经济信息化委、市规划资源局、浦东新区政府、闵行区政府、嘉定区政府"),
    (91, "健全公共平台支撑体系", "市科委、市发展改革委、市商务委、申康医院发展中心、虹桥国际中央商务区管委会、闵行区政府"),
    (93, "加大金融支持力度", "市国资委、市委金融办、上海金融监管局"),
    (95, "加快创新人才培养集聚", "市人才局、市教委"),
    (99, "促进进出口通关便利", "上海海关、市药品监管局、市科委、市商务委"),
    (101, "深化国际交流合作", "市商务委、市科委、东方枢纽国际商务合作区管理局、浦东新区政府"),
]

# (doc, quote, what, year, month, year_implied)
DEAD = [
    (MED, "到2027年，新增首次获批境内第三类医疗器械注册证超500件", "新增首次获批境内第三类医疗器械注册证超500件", 2027, None, None),
    (PJ, "2021年2月3日前報送各位分管市領導", "具体推进实施方案报送各位分管市领导", 2021, 2, None),
    (PJ, "2月7日前報送市政府", "具体推进实施方案报送市政府", None, 2, 2021),
    (PJ, "年底逐一績效對賬", "逐一绩效对账", None, 12, 2021),
    (GY, "于2024年3月15日前报市安办备案", "本地工作方案、本系统子方案报市安办备案", 2024, 3, None),
]


def line_of(doc: str, quote: str) -> int:
    text = (U / doc).read_text(encoding="utf-8")
    assert quote in text, (doc, quote)
    return text[:text.index(quote)].count("\n") + 1


def main() -> None:
    out = Path(__file__).parent
    med = (U / MED).read_text(encoding="utf-8").splitlines()
    with (out / "responsibilities.jsonl").open("w", encoding="utf-8") as f:
        for line, task, leads in RESP:
            quote = f"（责任单位：{leads}）"
            assert quote in med[line - 1], (line, quote)
            f.write(json.dumps({"doc": MED, "task": task, "lead": leads.split("、"), "support": [],
                                "quote": quote, "line": line}, ensure_ascii=False) + "\n")
    with (out / "deadlines.jsonl").open("w", encoding="utf-8") as f:
        for doc, quote, what, year, month, implied in DEAD:
            rec = {"doc": doc, "what": what, "year": year, "month": month, "relative": None,
                   "quote": quote, "line": line_of(doc, quote)}
            if implied:
                rec["year_implied"] = implied
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    # documents annotated: responsibilities none in PJ, GY, DW (general 各牵头单位 duties, a
    # contact line); deadlines none in DW; these docs are listed so extras there count.
    (out / "documents.txt").write_text("\n".join([MED, PJ, GY, DW]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
