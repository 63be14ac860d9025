"""The audio-budget report on simulated folds: each arm's accuracy pooled over folds at each budget,
each GAN variant's paired difference to the fair baseline and the share of the headroom it closes,
against the values the folds were drawn with."""
import io

import numpy as np
import pandas as pd
import pytest

from avemo.report.budget import budget_figure, budget_rows, budget_table, headroom_share
from avemo.report.experiments import Experiment
from avemo.report.tables import CLIPS, CURVE, group

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels

RATES = {0.25: {"real": 0.30, "baseline": 0.35, "augmented": 0.45, "oracle": 0.60, "pseudo": 0.40},
         1.0: {"real": 0.58, "baseline": 0.60, "augmented": 0.60, "oracle": 0.64, "pseudo": 0.61}}
ACTORS = {0.25: 3, 1.0: 12}


def fold_tables(share: float, fold: int, clips: int = 600) -> tuple[str, str]:
    """Per-clip tables of one fold: 50 test actors x 12 clips, each arm right at its budget's rate,
    the arms drawn independently per clip (so the paired differences keep their expected value)."""
    rng = np.random.default_rng([int(100 * share), fold])
    actors = np.repeat(np.arange(50) + 100 * fold, clips // 50)
    arms = {arm: (rng.uniform(size=clips) < rate).astype(float) for arm, rate in RATES[share].items()}
    table = pd.DataFrame({"clip": np.arange(clips), "actor": actors, "label": 0, "shuffled": 0.0,
                          **{k: v for k, v in arms.items() if k != "real"}})
    curve = pd.DataFrame({"clip": np.arange(clips), "actor": actors, f"actors_{ACTORS[share]}": arms["real"],
                          "actors_40": np.ones(clips)})
    return table.to_csv(index=False), curve.to_csv(index=False)


def study(folds: int = 4) -> list:
    experiments = []
    for share in RATES:
        for fold in range(folds):
            e = Experiment(f"b{share}f{fold}", "x", {"split.fold": fold, "split.audio_share": share,
                                                      "generate.sources": "all", "gan.condition": "conformal"},
                           {"learning_curve.budget_actors": ACTORS[share]})
            e.files[CLIPS], e.files[CURVE] = fold_tables(share, fold)
            experiments.append(e)
    return group(experiments, {"split.audio_share": 1.0, "generate.sources": "all", "gan.condition": "conformal"})


def test_each_budget_pools_every_arm_over_its_folds(tmp_path):
    rows = budget_rows(study())
    assert [r.share for r in rows] == [0.25, 1.0] and [r.actors for r in rows] == [3, 12]
    for row in rows:
        rates = RATES[row.share]
        for arm in ("real", "baseline", "oracle", "pseudo"):
            mean, low, high = row.accuracy[arm]
            assert mean == pytest.approx(rates[arm], abs=0.03) and low < mean < high, (row.share, arm)
        (label,) = row.delta
        assert row.accuracy[label][0] == pytest.approx(rates["augmented"], abs=0.03)
        expected = rates["augmented"] - rates["baseline"]
        assert row.delta[label].delta == pytest.approx(expected, abs=0.03)
    small = rows[0]
    (label,) = small.delta
    share, low, high = small.closed[label]  # (0.45 - 0.35) / (0.60 - 0.35) = 0.4
    assert share == pytest.approx(0.4, abs=0.12) and low < share < high
    assert [list(r.delta) for r in rows] == [["default"], ["default"]]  # one GAN: one column, one line
    text = budget_table(rows)
    assert "| 0.25 (3) |" in text and "fair baseline" in text and "share of the headroom" in text
    assert text.splitlines()[0].count("| default |") == 1 and "audio_share" not in text
    budget_figure(rows, tmp_path / "budget.png")
    assert (tmp_path / "budget.png").stat().st_size > 5000


def test_headroom_share_by_hand():
    actors = np.repeat(np.arange(4), 2)
    gain, headroom = np.array([1, 0, 1, 0, 0, 0, 1, 1.0]), np.array([1, 1, 1, 1, 1, 1, 1, 1.0])
    share, low, high = headroom_share(gain, headroom, actors)
    assert share == pytest.approx(4 / 8) and 0 <= low <= share <= high <= 1
    assert np.isnan(headroom_share(gain, -headroom, actors)[0])  # no headroom: nothing to close


def test_headroom_share_resamples_gain_and_headroom_with_the_same_actors():
    """Gain equal to headroom clip by clip, varying across actors: every paired resample closes exactly
    all of its headroom, so the interval is the point 1; drawn apart, the two sums would scatter it."""
    rng = np.random.default_rng(0)
    actors = np.repeat(np.arange(20), 6)
    headroom = rng.uniform(0.1, 2.0, size=20)[actors] * rng.uniform(0.5, 1.5, size=len(actors))
    share, low, high = headroom_share(headroom.copy(), headroom, actors)
    assert (share, low, high) == pytest.approx((1.0, 1.0, 1.0), abs=1e-12)


def test_the_report_leads_with_the_budget_table_when_a_study_spans_budgets(tmp_path):
    from avemo.report.render import write_report
    from avemo.report.tables import summarise

    text = write_report([summarise(v) for v in study()], {}, tmp_path)
    assert text.startswith("S4 accuracy against the audio budget") and (tmp_path / "budget.png").exists()


def test_a_study_at_one_budget_below_s3_has_its_table_and_the_whole_curve(tmp_path):
    """A study run at one budget (share 0.25) still reports its arms and headroom share, and the
    figure's real-audio line is the pooled budget curve (here two points: the budget's 3 actors and 40)."""
    from avemo.report.render import budget_curve, write_report
    from avemo.report.tables import summarise

    variants = [summarise(v) for v in study() if v.experiments[0].params["split.audio_share"] == 0.25]
    text = write_report(variants, {}, tmp_path)
    assert text.startswith("S4 accuracy against the audio budget") and "| 0.25 (3) |" in text
    curve = budget_curve(variants)
    assert [k for k, *_ in curve] == [3, 40] and curve[0][1] == pytest.approx(RATES[0.25]["real"], abs=0.03)
    assert (tmp_path / "budget.png").exists()
    full = [summarise(v) for v in study() if v.experiments[0].params["split.audio_share"] == 1.0]
    assert not write_report(full, {}, tmp_path / "full").startswith("S4 accuracy against the audio budget")


def test_the_readme_paragraph_states_the_budget_finding_with_intervals(tmp_path):
    """The README's first results paragraph, from a study at one budget: the budget, the folds, the
    headroom the curve gives, each GAN variant's difference to the fair baseline and the share of the
    headroom it closes, each with its interval; nothing for a study at full S3."""
    import re

    from avemo.report.render import HEADLINE_BEGIN, HEADLINE_END, budget_headline
    from avemo.report.render import replace_block
    from avemo.report.tables import summarise

    variants = [summarise(v) for v in study() if v.experiments[0].params["split.audio_share"] == 0.25]
    text = budget_headline(variants)
    assert "3 of S3's actors (`split.audio_share=0.25`), pooled over 4 actor folds" in text
    assert "would add" in text and "adds" in text and "of the oracle's headroom" in text
    assert len(re.findall(r"[+-]\d+\.\d \[[+-]\d+\.\d, [+-]\d+\.\d\]", text)) == 2  # headroom and the GAN's delta
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{HEADLINE_BEGIN}\n(not yet run)\n{HEADLINE_END}\n")
    replace_block(readme, text, HEADLINE_BEGIN, HEADLINE_END)
    assert "would add" in readme.read_text() and "(not yet run)" not in readme.read_text()
    assert budget_headline([summarise(v) for v in study() if v.experiments[0].params["split.audio_share"] == 1.0]) == ""


def test_a_study_across_links_keeps_each_corpus_apart_and_draws_the_dose_response(tmp_path):
    """Each face-voice link is another corpus: its arms are pooled on their own (one row per link, its
    own baseline), the GAN is one line across links, and links.png shows the dose-response."""
    from avemo.report.render import budget_headline, write_report
    from avemo.report.tables import summarise

    experiments = []
    for link, lift in ((0.0, 0.0), (1.0, 0.10)):
        for fold in range(3):
            e = Experiment(f"l{link}f{fold}", "x", {"split.fold": fold, "split.audio_share": 0.25,
                                                    "corpus.face_voice_link": link, "gan.condition": "label"},
                           {"learning_curve.budget_actors": 3})
            table, curve = fold_tables(0.25, fold)
            frame = pd.read_csv(io.StringIO(table))
            rng = np.random.default_rng([fold, int(10 * link)])
            frame["augmented"] = np.maximum(frame["augmented"], (rng.uniform(size=len(frame)) < lift).astype(float))
            e.files[CLIPS], e.files[CURVE] = frame.to_csv(index=False), curve
            experiments.append(e)
    variants = group(experiments, {"split.audio_share": 1.0, "corpus.face_voice_link": 0.25, "gan.condition": "label"})
    rows = budget_rows(variants)
    assert [(r.share, r.link) for r in rows] == [(0.25, 0.0), (0.25, 1.0)]
    assert [list(r.delta) for r in rows] == [["default"], ["default"]]  # the link is not part of the GAN's name
    assert rows[1].delta["default"].delta > rows[0].delta["default"].delta + 0.03
    text = write_report([summarise(v) for v in variants], {}, tmp_path)
    assert (tmp_path / "links.png").stat().st_size > 5000 and "0.25 (3), link 1" in text
    paragraph = budget_headline(variants)
    assert "with face-voice link 0:" in paragraph and "with face-voice link 1:" in paragraph
