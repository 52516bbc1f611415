"""The canonical indicator catalogue and matching written names onto it."""
from extractors.indicators import all_indicators, canonicalize, direction


def test_gdp_death_rate_variants_land_on_one_indicator():
    a, _ = canonicalize("单位GDP生产安全事故死亡率")
    b, _ = canonicalize("亿元国内生产总值(gdp)死亡率")
    c, _ = canonicalize("单位全区生产总值生产安全事故死亡率")
    assert a == b == c == "亿元GDP生产安全事故死亡率"


def test_qualified_names_match_by_similarity():
    name, score = canonicalize("城市、县城常住人口人均应急避难场所面积")
    assert name == "人均应急避难场所面积" and 0.6 <= score <= 1
    assert canonicalize("道路交通死亡率万车")[0] == "道路交通万车死亡率"
    assert canonicalize("年度10万人口火灾死亡率")[0] == canonicalize("十万人口火灾死亡率")[0]


def test_unrelated_name_stays_uncatalogued():
    name, score = canonicalize("视频监控高清热感应摄像探头")
    assert name is None and score < 0.6
    assert canonicalize("") == (None, 0.0)


def test_direction():
    assert direction("亿元GDP生产安全事故死亡率") == "lower_is_better"
    assert direction("应急广播覆盖率") == "higher_is_better"
    assert direction("某县道路交通万车死亡率") == "lower_is_better"  # through canonicalize
    assert direction("某种新指标死亡人数") == "lower_is_better"  # by its words


def test_catalogue_is_well_formed():
    inds = all_indicators()
    assert 30 <= len(inds) <= 80
    assert len({i.canonical for i in inds}) == len(inds)
    assert all(i.direction in ("lower_is_better", "higher_is_better") for i in inds)


def test_candidate_index_gives_the_same_answer_as_a_full_scan():
    """canonicalize compares a name only with aliases sharing a bigram; a full scan over the
    catalogue must not find anything better."""
    from extractors.indicators import THRESHOLD, _alias_index, normalise, similarity

    for name in ("某县道路交通万车死亡率", "城市常住人口人均应急避难场所面积", "森林火灾受害率", "完全无关的名字"):
        key = normalise(name)
        best = max((similarity(key, a) for a, _, _ in _alias_index().aliases), default=0.0)
        canonical, score = canonicalize(name)
        assert score >= round(best, 3) or (canonical is None and best < THRESHOLD)
