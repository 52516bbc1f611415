"""Retrieval quality on the seed plans: 20 hand-written, paraphrased Chinese questions.

    .venv/bin/python bench/retrieval.py DB [DB ...]     # one database per embedding model

A question counts as found when one of the top-5 passages is from the expected region (None:
any) and contains every expected phrase (in its text or section path).  Measuring only: the
phrases are not used by search.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTIONS: list[tuple[str, str | None, tuple[str, ...]]] = [
    ("山亭区直升机起降场地建设", "山亭区", ("直升机停机坪",)),
    ("市级应急物资仓库新建扩建", "济宁市", ("应急物资储备库", "新建")),
    ("以人的素质提升为核心的安全品牌工程", "济宁市", ("素质固安",)),
    ("网格员承担哪些应急管理职责", "船山区", ("网格员",)),
    ("安全宣传进企业进农村进社区", "船山区", ("五进",)),
    ("林火受害率控制在多少", "临清市", ("森林火灾年均受害率",)),
    ("每万辆机动车交通事故死亡人数目标", None, ("万车死亡率",)),
    ("无人机和救援机器人等先进装备", "山亭区", ("无人机",)),
    ("重大灾害发生后多久完成医疗急救", "山亭区", ("紧急医学救援",)),
    ("全市应急广播体系建设", "济宁市", ("应急广播",)),
    ("灾害预警消息怎样及时告知群众", None, ("预警信息",)),
    ("组建应急疏散车队保障公路运输", "临清市", ("疏散车队",)),
    ("各级政府财政事权与支出责任划分", "济宁市", ("财政事权",)),
    ("化工园区重大危险源储罐在线监测", "济宁市", ("重大危险源",)),
    ("处于两大地震带之间 历史上发生过破坏性地震", "济宁市", ("地震带",)),
    ("燃气抢险和露天矿山专业救援队组建", "济宁市", ("露天矿山应急救援队",)),
    ("林区缺少防火隔离带", "山亭区", ("阻隔",)),
    ("用信息化手段开展安全生产执法", "船山区", ("执法",)),
    ("人均应急避难场所面积目标", None, ("避难场所",)),
    ("防汛抗旱需要储备哪些物资", "济宁市", ("防汛抗旱", "储备")),
]


def found(hits: list[dict], region: str | None, phrases: tuple[str, ...]) -> bool:
    for h in hits:
        text = f"{h.get('section_path') or ''}\n{h.get('text') or ''}"
        if (region is None or h.get("region") == region) and all(p in text for p in phrases):
            return True
    return False


def first_rank(hits: list[dict], region: str | None, phrases: tuple[str, ...]) -> int | None:
    return next((i for i in range(1, len(hits) + 1) if found(hits[i - 1:i], region, phrases)), None)


def scores(db: str, mode: str, k: int = 5) -> tuple[float, float, float, list[str]]:
    """recall@1, recall@k, MRR@10 over the questions, and the questions missed in the top k."""
    from queries.search import search

    ranks = {q: first_rank(search(db, q, k=10, mode=mode), region, phrases) for q, region, phrases in QUESTIONS}
    n = len(QUESTIONS)
    missed = [q for q, r in ranks.items() if r is None or r > k]
    r1 = sum(r == 1 for r in ranks.values()) / n
    mrr = sum(1 / r for r in ranks.values() if r) / n
    return r1, 1 - len(missed) / n, mrr, missed


def main(dbs: list[str]) -> None:
    import duckdb

    for db in dbs:
        con = duckdb.connect(db, read_only=True)
        model = con.execute("SELECT value FROM index_meta WHERE key = 'embedding_model'").fetchone()[0]
        con.close()
        for mode in ("bm25", "dense", "hybrid"):
            r1, r5, mrr, missed = scores(db, mode)
            print(f"{model}\t{mode}\trecall@1={r1:.2f}\trecall@5={r5:.2f}\tMRR@10={mrr:.2f}\tmissed@5: {'; '.join(missed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
