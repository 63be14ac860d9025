"""The report command's aggregation on fabricated `dvc exp show --json` output: grouping ignores
split.fold and seeds, a missing metric is reported, and pooled deltas come from the per-clip tables."""
import io
import json

import numpy as np
import pandas as pd
import pytest

from avemo.report.experiments import Experiment, parse_exp_show
from avemo.report.render import BEGIN, END, markdown, pct, replace_block, write_report
from conftest import ROOT
from avemo.report.tables import CLIPS, bh_adjust, compare_to, fill_added_params, group, one_param_contrasts, summarise


def exp(name, fold, condition, seed=0, delta=0.02, missing=(), loss="bce"):
    metrics = {"augmented_accuracy": 0.5 + delta, "baseline_accuracy": 0.5, "delta": delta}
    for key in missing:
        metrics.pop(key)
    return {"rev": f"{name}-sha", "name": name, "error": None, "data": {
        "params": {"params.yaml": {"data": {"split": {"fold": fold, "seed": 0}, "train": {"seed": seed},
                                            "gan": {"condition": condition, "loss": loss}}}},
        "metrics": {"metrics/augmented.json": {"data": metrics},
                    "metrics/split.json": {"data": {"S4_clips": 12}},
                    "metrics/conformal.json": {"data": {"error_eps_0.1": 1 / 12}}}}}


def fake_show():
    experiments = [exp("l0", 0, "label"), exp("l1", 1, "label", seed=5), exp("l2", 2, "label", delta=-0.01),
                   exp("c0", 0, "classifier"), exp("c1", 1, "classifier", missing=("delta",)),
                   exp("c2", 2, "classifier")]
    return [{"rev": "workspace", "data": {}}, {"rev": "base-sha", "name": "main", "data": {},
                                               "experiments": [{"name": e["name"], "revs": [e]}  # newest first, as DVC
                                                               for e in reversed(experiments)]}]


def clips(fold, gain, rng):
    """12 clips of 3 actors per fold; the fair baseline depends on the fold only (the same arm in
    every variant), ``gain`` = share of clips the augmented arm gets right on top of it."""
    base = np.random.default_rng(fold).uniform(size=12) < 0.5
    fixed = base | (rng.uniform(size=12) < gain)
    return pd.DataFrame({"clip": [f"f{fold}c{i}" for i in range(12)], "actor": np.repeat(np.arange(3) + 3 * fold, 4),
                         "label": 0, "baseline": base.astype(float), "augmented": fixed.astype(float),
                         "oracle": np.ones(12), "shuffled": np.zeros(12)}).to_csv(index=False)


@pytest.fixture()
def variants():
    experiments = parse_exp_show(fake_show())
    rng = np.random.default_rng(0)
    for e in experiments:
        e.files[CLIPS] = clips(e.params["split.fold"], 0.3 if e.params["gan.condition"] == "classifier" else 0.0, rng)
    return [summarise(v) for v in group(experiments)]


def test_grouping_ignores_folds_and_seeds(variants):
    assert [v.label for v in variants] == ["default", "gan.condition=classifier"]
    assert [v.folds for v in variants] == [[0, 1, 2], [0, 1, 2]]  # l1's train.seed does not split it off


def test_fold_means_folds_won_and_missing_metrics(variants):
    label, classifier = variants
    assert label.fold_means["augmented.delta"][0] == pytest.approx((0.02 + 0.02 - 0.01) / 3)
    assert label.folds_won["augmented.delta"] == 2
    assert classifier.missing["augmented.delta"] == ["c1"]  # reported, and averaged over the two that have it
    assert classifier.fold_means["augmented.delta"][0] == pytest.approx(0.02)
    assert "missing in c1" in markdown(variants, {})


def test_pooled_deltas_and_validity_come_from_all_folds(variants):
    label, classifier = variants
    assert label.pooled["augmented"].delta == 0 and label.pooled["oracle"].clusters == 9
    assert classifier.pooled["augmented"].delta > 0.1
    assert label.pooled["shuffled"].high < 0
    err, low, high, n = label.validity["0.1"]
    assert (err, n) == (pytest.approx(3 / 36), 36) and low < err < high
    versus = compare_to(classifier, label)
    assert versus.delta == pytest.approx(classifier.pooled["augmented"].delta - label.pooled["augmented"].delta)


def test_written_report_and_readme_block(variants, tmp_path):
    text = write_report(variants, {}, tmp_path)
    assert "gan.condition=classifier" in text and (tmp_path / "tables.png").stat().st_size > 1000
    saved = json.loads((tmp_path / "tables.json").read_text())
    assert [v["label"] for v in saved["variants"]] == ["default", "gan.condition=classifier"]
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{BEGIN}\nOLD-BLOCK\n{END}\nrest\n")
    replace_block(readme, text)
    assert "OLD-BLOCK" not in readme.read_text() and readme.read_text().endswith(f"{END}\nrest\n")


def test_one_param_contrasts_pair_variants_that_differ_in_one_param_on_shared_folds(tmp_path):
    rows = fake_show()
    rows[1]["experiments"][:0] = [{"name": n, "revs": [exp(n, f, "classifier", loss="wasserstein")]}
                                  for n, f in (("w2", 2), ("w1", 1))]
    experiments = parse_exp_show(rows)
    rng = np.random.default_rng(0)
    gains = {"label": 0.0, "classifier": 0.3}
    for e in experiments:
        gain = 0.1 if e.params["gan.loss"] == "wasserstein" else gains[e.params["gan.condition"]]
        e.files[CLIPS] = clips(e.params["split.fold"], gain, rng)
    by = {(v.experiments[0].params["gan.condition"], v.experiments[0].params["gan.loss"]): summarise(v)
          for v in group(experiments, {"gan.condition": "label", "gan.loss": "bce"})}
    label, classifier, wgan = by["label", "bce"], by["classifier", "bce"], by["classifier", "wasserstein"]
    contrasts = one_param_contrasts([label, classifier, wgan])
    backwards = one_param_contrasts([wgan, classifier, label])  # "from" is still the committed value
    assert sorted((c.param, c.before, c.after) for c in backwards) == sorted((c.param, c.before, c.after) for c in contrasts)
    assert [(c.param, c.before, c.after, c.folds) for c in contrasts] == [
        ("gan.condition", "label", "classifier", (0, 1, 2)), ("gan.loss", "bce", "wasserstein", (1, 2))]
    assert contrasts[0].delta.delta == pytest.approx(compare_to(classifier, label).delta)
    # a GAN param leaves the fair baseline alone: the change in the delta is the augmented difference
    assert contrasts[0].gain_change.delta == pytest.approx(contrasts[0].delta.delta)
    assert contrasts[1].delta.clusters == 6 and contrasts[1].delta.delta < 0  # 0.1 gain < 0.3 gain, folds 1-2 only
    write_report([label, classifier, wgan], {}, tmp_path, contrasts=contrasts)
    assert [c.context for c in contrasts] == ["default", "gan.condition=classifier"]
    assert [c.p_adjusted for c in contrasts] == pytest.approx(list(bh_adjust([c.delta.p_value for c in contrasts])))
    assert "| gan.loss | bce | wasserstein | gan.condition=classifier | 1, 2 | 6 |" in (tmp_path / "tables.md").read_text()
    saved = json.loads((tmp_path / "tables.json").read_text())["contrasts"]
    assert [c["param"] for c in saved] == ["gan.condition", "gan.loss"]


def test_failed_queued_and_running_experiments_are_skipped():
    rows = fake_show()
    rows[1]["experiments"][0]["revs"][0]["error"] = {"msg": "failed"}
    assert len(parse_exp_show(rows)) == 5
    for entry, state in zip(rows[1]["experiments"][1:4], ("queued", "running", "failed")):
        entry["executor"] = {"state": state}  # DVC shows these with the baseline's metrics
    rows[1]["experiments"][4]["executor"] = {"state": "success"}
    assert [e.name for e in parse_exp_show(rows)] == ["l0", "l1"]  # oldest first


def test_a_fold_rerun_at_a_newer_commit_replaces_the_older_run():
    """`dvc exp show --all-commits` lists the newest commit first: its re-run of a fold is the newest."""
    old = fake_show()[1]
    new = {"rev": "new-sha", "name": "main", "data": {},
           "experiments": [{"name": "again", "revs": [exp("again", 0, "label", delta=0.05)]}]}
    experiments = parse_exp_show([{"rev": "workspace", "data": {}}, new, old])
    label = [v for v in group(experiments) if v.experiments[0].params["gan.condition"] == "label"][0]
    assert [e.name for e in label.experiments] == ["again", "l1", "l2"] and label.superseded == ["l0"]


def test_the_committed_params_come_first():
    experiments = parse_exp_show(fake_show())
    reference = {"gan.condition": "classifier", "gan.loss": "bce"}
    labels = [v.label for v in group(experiments, reference)]
    assert labels[0] == "default" and set(labels) == {"default", "gan.condition=label"}


def write_stage_results(root, stage: str, results: dict) -> None:
    (root / stage).mkdir(parents=True, exist_ok=True)
    (root / stage / "results.json").write_text(json.dumps(results))


def test_summary_reads_the_results_files_and_fills_its_readme_block(tmp_path):
    from avemo.report import summary
    results = tmp_path / "results"
    write_stage_results(results, "corpus", {"clips": 576, "actors": 48})
    write_stage_results(results, "train_face_classifier", {"accuracy": 0.8751})
    table = summary.summary_table(results)
    assert "| `corpus` | 576 clips of 48 actors |" in table and "0.875" in table
    assert "train_gan" not in table  # absent file: no row, no invented number
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{summary.BEGIN}\nold\n{summary.END}\nrest\n")
    replace_block(readme, table, summary.BEGIN, summary.END)
    text = readme.read_text()
    assert "old" not in text and "576 clips" in text and text.endswith("rest\n")


def test_summary_corpus_row_gives_the_voice_ceilings(tmp_path):
    from avemo.report import summary
    m = {"clips": 576, "actors": 48}
    for k, (name, acc) in enumerate({"exact": 0.86, "one_clip": 0.84, "spectrogram": 0.8,
                                     "spectrogram_no_pitch": 0.66}.items()):
        m.update({f"voice_ceiling_{name}": acc, f"voice_ceiling_{name}_ci95_low": acc - 0.01 - k / 1000,
                  f"voice_ceiling_{name}_ci95_high": acc + 0.01})
    write_stage_results(tmp_path, "corpus", m)
    row = summary.summary_table(tmp_path).splitlines()[2]
    assert "0.860 [0.850, 0.870] from its exact prosody" in row
    assert "0.660 [0.647, 0.670] without loudness and pitch" in row


def test_summary_has_the_mrpn_robustness_table():
    from avemo.report.summary import robustness_table
    m = {"n0_late_fusion": 0.8, "n0_late_fusion_std": 0.01, "n2": 0.75, "n2_std": 0.02,
         "n0_late_fusion_audio_missing": 0.5, "n0_late_fusion_audio_missing_drop": 0.3,
         "n2_audio_missing": 0.7, "n2_audio_missing_drop": 0.05,
         "n2_vs_n0_late_fusion_audio_missing_delta": 0.2, "n2_vs_n0_late_fusion_audio_missing_delta_ci95_low": 0.1,
         "n2_vs_n0_late_fusion_audio_missing_delta_ci95_high": 0.3}
    table = robustness_table(m)
    assert "| n0_late_fusion | 0.800 | 0.500 |" in table and "| n2 | 0.750 | 0.700 |" in table
    assert "| n2 vs n0_late_fusion |  | +20.0 [+10.0, +30.0] |" in table
    assert robustness_table({"n2": 0.7, "n2_std": 0.1}) == ""  # runs without corruptions: no table


def test_params_added_later_take_their_committed_value():
    """An experiment of an older commit lacks a param added since: it joins the variant of that
    param's committed value instead of forming a variant of its own, and the report says so."""
    rows = fake_show()
    newer = rows[1]["experiments"][0]["revs"][0]["data"]["params"]["params.yaml"]["data"]
    newer["mrpn"] = {"image_augment": False}  # c2 ran after mrpn.image_augment was added
    experiments = parse_exp_show(rows)
    reference = {"gan.condition": "label", "gan.loss": "bce", "mrpn.image_augment": False}
    assert fill_added_params(experiments, reference) == {"mrpn.image_augment": 5}
    assert [v.label for v in group(experiments, reference)] == ["default", "gan.condition=classifier"]
    assert "mrpn.image_augment" in markdown([], {}, ["5 experiment(s) ... `mrpn.image_augment`"])


def test_summary_has_the_face_study_table():
    from avemo.report.summary import face_study_table
    m = {"rotation_degrees": 10.0}
    for k, acc in (("pixels_cnn", 0.8), ("geometry_svm_linear", 0.6)):
        for key, v in ((k, acc), (f"{k}_turned", acc - 0.1)):
            m.update({key: v, f"{key}_ci95_low": v - 0.05, f"{key}_ci95_high": v + 0.05})
        m.update({f"{k}_turned_delta": -0.1, f"{k}_turned_delta_ci95_low": -0.2, f"{k}_turned_delta_ci95_high": 0.0})
    m.update({"geometry_svm_linear_vs_pixels_cnn_delta": -0.2, "geometry_svm_linear_vs_pixels_cnn_delta_ci95_low": -0.3,
              "geometry_svm_linear_vs_pixels_cnn_delta_ci95_high": -0.1})
    table = face_study_table(m)
    assert "| pixels cnn | 0.800 [0.750, 0.850] | 0.700 [0.650, 0.750] | -10.0 [-20.0, +0.0] |  |" in table
    assert "| geometry svm_linear | 0.600 [0.550, 0.650] |" in table and "-20.0 [-30.0, -10.0] |" in table
    assert face_study_table({"rotation_degrees": 10.0}) == ""


def test_power_note_gives_variance_components_and_folds_needed(variants):
    from avemo.report.render import power_note
    from avemo.evaluation.stats import PairedDelta
    from avemo.report.variance import VarianceComponents
    variants[0].pooled["augmented"] = PairedDelta(0.0, -0.06, 0.06, 1.0, 30)
    variants[0].components = VarianceComponents(0.001, 0.0, 0.25, 5, 6, 12)
    variants[0].max_folds = 8
    note = power_note(variants[:1])
    # per fold: 0.001 + 0.25 / 72 = 0.004472; (1.96 / 0.03)^2 x 0.004472 = 19.09 -> 20 folds
    # at the study's 5 folds: 1.96 x sqrt(0.004472 / 5) = 0.0586
    assert "+-6.0 points by the actor bootstrap over 30 test actors, +-5.9 with each fold's training counted " \
           "once (variance model) in 5 folds" in note
    assert "about 20 folds of 6 actors x 12 clips (the split allows 8)" in note


def test_summarise_estimates_the_variance_components_of_the_pooled_delta(variants):
    from avemo.report.variance import variance_components
    classifier = variants[1]
    table = pd.concat([pd.read_csv(__import__("io").StringIO(e.files[CLIPS])).assign(fold=f)
                       for e, f in zip(classifier.experiments, classifier.folds)])
    expected = variance_components(table["augmented"] - table["baseline"], table["fold"], table["actor"])
    assert classifier.components == expected and classifier.components.clip > 0


def test_variants_are_labelled_against_the_checked_out_commit():
    """With --all-commits the output also holds other branches' commits; the reference is HEAD's."""
    from avemo.report.experiments import baseline_params
    rows = fake_show()
    other = {"rev": "other-sha", "data": {"params": {"params.yaml": {"data": {"gan": {"condition": "classifier"}}}}}}
    rows[1]["data"] = {"params": {"params.yaml": {"data": {"gan": {"condition": "label"}}}}}
    rows.insert(1, other)
    assert baseline_params(rows) == {"gan.condition": "classifier"}
    assert baseline_params(rows, "base-sha") == {"gan.condition": "label"}


def test_queue_sets_folds_common_overrides_and_variant(monkeypatch):
    """`avemo report queue` hands DVC the fold range, the overrides common to every row, then the row's own."""
    import subprocess
    from avemo.report import cli
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    cli.main(["queue", "--folds", "8", "--start-fold", "5", "--set", "eval.seeds=3",
              "--variant", "gan.loss=wasserstein gan.n_critic=5", "--variant", "gan.condition=label"])
    targets = ["evaluate_augmented", "evaluate_generation", "learning_curve"]  # what the tables read
    assert calls == [["dvc", "exp", "run", "--queue", "-S", "split.fold=range(5,8)", "-S", "eval.seeds=3",
                      "-S", "gan.loss=wasserstein", "-S", "gan.n_critic=5", *targets],
                     ["dvc", "exp", "run", "--queue", "-S", "split.fold=range(5,8)", "-S", "eval.seeds=3",
                      "-S", "gan.condition=label", *targets]]
    calls.clear()
    cli.main(["queue", "--folds", "2", "--all-stages"])
    assert calls == [["dvc", "exp", "run", "--queue", "-S", "split.fold=range(0,2)"]]
    with pytest.raises(SystemExit, match="--start-fold 8 must lie in 0 .. 7"):
        cli.main(["queue", "--folds", "8", "--start-fold", "8"])
    calls.clear()
    monkeypatch.chdir(ROOT)  # a MRPN study names its own targets, checked against dvc.yaml
    cli.main(["queue", "--folds", "2", "--targets", "train_mrpn", "face_study"])
    assert calls == [["dvc", "exp", "run", "--queue", "-S", "split.fold=range(0,2)", "train_mrpn", "face_study"]]
    with pytest.raises(SystemExit, match="no stage train_mrnp in dvc.yaml"):
        cli.main(["queue", "--folds", "2", "--targets", "train_mrnp"])


def test_each_job_gets_its_share_of_the_cores():
    from avemo.report.cli import threads_per_job

    assert threads_per_job(2, cpus=2) == {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    assert threads_per_job(1, cpus=2)["OMP_NUM_THREADS"] == "2" and threads_per_job(4, cpus=16)["OMP_NUM_THREADS"] == "4"
    assert threads_per_job(3, cpus=2)["OMP_NUM_THREADS"] == "1"


def test_pseudo_label_control_is_pooled_only_where_the_pool_was_used(variants):
    """Pool runs carry a `pseudo` arm (the pool's real audio under f_S's labels); others do not, and
    the table leaves that cell empty rather than calling it missing."""
    classifier = variants[1]
    assert "pseudo" not in classifier.pooled
    for e in classifier.experiments:
        table = pd.read_csv(__import__("io").StringIO(e.files[CLIPS]))
        e.files[CLIPS] = table.assign(pseudo=table["baseline"].values[::-1]).to_csv(index=False)
    classifier.pooled.clear()
    summarise(classifier)
    table = pd.concat([pd.read_csv(__import__("io").StringIO(e.files[CLIPS])) for e in classifier.experiments])
    assert classifier.pooled["pseudo"].delta == pytest.approx((table["pseudo"] - table["baseline"]).mean())
    rows = markdown(variants, {}).splitlines()
    default_row = next(r for r in rows if r.startswith("| default"))
    assert default_row.split(" | ")[11] == "" and "missing" not in default_row.split(" | ")[11]


def test_pool_metrics_are_summarised_only_for_pool_runs():
    """A run from the face-only pool reports selection and label accuracy; the others are not
    listed as missing them."""
    from avemo.report.render import pool_table
    rows = fake_show()
    for i, e in enumerate(rows[1]["experiments"]):
        data = e["revs"][0]["data"]
        if data["params"]["params.yaml"]["data"]["gan"]["condition"] == "classifier":
            data["metrics"]["metrics/generate.json"] = {"data": {"pool_selected_share": 0.5 + 0.1 * i,
                                                                 "pool_label_accuracy_all": 0.8,
                                                                 "pool_label_accuracy_selected": 0.9}}
    label, classifier = [summarise(v) for v in group(parse_exp_show(rows))]
    assert not any(m.startswith("generate.") for m in label.missing)
    assert classifier.fold_means["generate.pool_label_accuracy_selected"][0] == pytest.approx(0.9)
    table = pool_table([label, classifier])
    assert table.count("\n") == 2 and "| gan.condition=classifier | 3 | 0.60 [" in table


def test_a_fold_run_twice_is_pooled_once_from_its_newest_run():
    rows = fake_show()
    again = exp("l1b", 1, "label", delta=0.05)
    rows[1]["experiments"].insert(0, {"name": "l1b", "revs": [again]})  # DVC lists newest first
    label = group(parse_exp_show(rows))[0]
    assert label.folds == [0, 1, 2] and [e.name for e in label.experiments] == ["l0", "l1b", "l2"]
    assert label.superseded == ["l1"]
    assert "- default: l1" in markdown([summarise(label)], {})


def test_learning_curve_comes_from_the_variant_with_most_folds():
    """The curve does not depend on GAN params, so the longest study gives the tightest estimate."""
    from avemo.evaluation.stats import PairedDelta
    from avemo.report.render import curve_table
    from avemo.report.experiments import Experiment
    from avemo.report.tables import Variant

    def with_curve(label, folds, acc):
        v = Variant(label, [Experiment(label, "rev", {}, {"learning_curve.1x_actors": 12})], list(range(folds)))
        v.curve = {s: (acc, acc - 0.05, acc + 0.05, 6 * folds) for s in ("1x", "2x", "all")}
        v.curve["gain"] = PairedDelta(0.0, -0.02, 0.02, 0.9, 6 * folds)
        return v
    short, long = with_curve("default", 3, 0.5), with_curve("eval.seeds=3", 8, 0.6)
    table = curve_table([short, long, Variant("no curve", [], [0])])
    assert "pooled over 8 folds" in table and "0.600 [0.550, 0.650]" in table and "0.500" not in table


def test_conformal_validity_comes_from_the_variant_with_most_folds():
    from avemo.report.render import validity_table
    from avemo.report.tables import Variant
    short, long = Variant("default", [], [0, 1]), Variant("eval.seeds=3", [], list(range(8)))
    short.validity, long.validity = {"0.1": (0.2, 0.1, 0.3, 144)}, {"0.1": (0.1, 0.08, 0.12, 576)}
    table = validity_table([short, long])
    assert "pooled over 8 folds" in table and "| 0.1 | 0.100 [0.080, 0.120] | 576 |" in table


def test_benjamini_hochberg_by_hand():
    """p = [0.01, 0.04, 0.03, 0.2]: ranks 1, 3, 2, 4, so p n / rank = 0.04, 0.0533, 0.06, 0.2; the
    step-up takes the cumulative minimum from the largest p down, so 0.03 gets 0.0533, not 0.06, and
    the adjusted values keep the raw ones' order."""
    adjusted = bh_adjust([0.01, 0.04, 0.03, 0.2])
    assert adjusted == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])
    assert bh_adjust([0.5, 0.9]) == pytest.approx([0.9, 0.9]) and bh_adjust([0.02]) == pytest.approx([0.02])


@pytest.mark.parametrize("argv", [[], ["-h"], ["--help"]])
def test_the_avemo_command_lists_its_commands_and_exits_0(argv):
    """`avemo`, `avemo -h` and `avemo --help` show what there is to run, successfully."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "avemo.cli", *argv], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for command in ("queue", "run", "wait", "collect", "mrpn", "faces", "summary", "splits"):
        assert f"report {command}" in out.stdout
    wrong = subprocess.run([sys.executable, "-m", "avemo.cli", "reprot"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "unknown command 'reprot'" in wrong.stderr


def test_summary_gives_the_budget_curve_with_its_gain(tmp_path):
    from avemo.report import summary

    m = {"budget_actors": 12, "all_actors": 42, "actors_2_accuracy": 0.31, "actors_12_accuracy": 0.58,
         "actors_42_accuracy": 0.61, "all_vs_budget_delta": 0.03, "all_vs_budget_delta_ci95_low": -0.01,
         "all_vs_budget_delta_ci95_high": 0.07}
    write_stage_results(tmp_path, "learning_curve", m)
    row = summary.summary_table(tmp_path).splitlines()[2]
    assert "2 actors 0.310, 12 actors 0.580, 42 actors 0.610" in row and "+3.0 [-1.0, +7.0] points" in row


def test_a_named_block_leaves_the_main_report_block_alone(tmp_path):
    """`make budget` writes its own block of the results doc; the GAN table's block keeps its text."""
    from avemo.report.render import markers

    doc = tmp_path / "results.md"
    budget = markers("budget")
    doc.write_text(f"{BEGIN}\nthe GAN table\n{END}\n\n{budget[0]}\n(not yet run)\n{budget[1]}\n")
    replace_block(doc, "the budget table\n", *budget)
    text = doc.read_text()
    assert "the GAN table" in text and "the budget table" in text and "(not yet run)" not in text


def test_a_setting_every_variant_shares_is_said_once_not_in_every_label(tmp_path):
    """A study run with `--set gan.loss=wasserstein` (here: every experiment's loss differs from the
    committed bce): the rows are told apart by their condition alone, and the report says the setting
    once. One variant alone keeps its full label (it is not the committed params)."""
    from avemo.report.render import write_report
    from avemo.report.tables import common_settings

    experiments = [e for e in parse_exp_show(fake_show())]
    for e in experiments:
        e.params["gan.loss"] = "wasserstein"
        e.files[CLIPS] = clips(e.params["split.fold"], 0.1, np.random.default_rng(0))
    reference = {"gan.condition": "label", "gan.loss": "bce"}
    labels = [v.label for v in group(experiments, reference)]
    assert labels == ["default", "gan.condition=classifier"]
    assert common_settings(experiments, reference) == {"gan.loss": "wasserstein"}
    variants = [summarise(v) for v in group(experiments, reference)]
    text = write_report(variants, {}, tmp_path, settings=common_settings(experiments, reference))
    assert text.startswith("Every variant of this study sets `gan.loss=wasserstein`")
    alone = [e for e in experiments if e.params["gan.condition"] == "label"]
    assert [v.label for v in group(alone, reference)] == ["gan.loss=wasserstein"]


def test_collect_reads_the_commits_a_study_was_queued_on(monkeypatch):
    """`--rev C --num 3` hands DVC the study's commit and the two before it."""
    import subprocess
    from avemo.report import experiments

    calls = []

    class Done:
        returncode, stdout, stderr = 0, "[]", ""

    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd) or Done())
    experiments.exp_show(rev="c487847", num=3)
    experiments.exp_show()
    assert calls == [["dvc", "exp", "show", "--json", "--rev", "c487847", "--num", "3"], ["dvc", "exp", "show", "--json"]]


def test_since_counts_the_commits_back_to_the_study_s_first(tmp_path):
    """`--since C` reads C's experiments, HEAD's and every commit's between: as many commits as `--num` needs."""
    import subprocess
    from avemo.report.experiments import commits_between

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run(git + ["init", "-q"], check=True)
    revs = []
    for k in range(4):
        (tmp_path / "f").write_text(str(k))
        subprocess.run(git + ["add", "f"], check=True)
        subprocess.run(git + ["commit", "-q", "-m", str(k)], check=True)
        revs.append(subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip())
    assert commits_between(revs[0], cwd=str(tmp_path)) == 4
    assert commits_between(revs[1], revs[2], cwd=str(tmp_path)) == 2
    assert commits_between(revs[3], cwd=str(tmp_path)) == 1
    with pytest.raises(SystemExit, match="not a commit before"):
        commits_between(revs[3], revs[1], cwd=str(tmp_path))


def test_waiting_starts_the_workers_again_when_dvc_s_worker_died_with_experiments_queued(monkeypatch):
    """DVC's queue worker can exit between experiments (treeverse/dvc#10428), leaving tasks queued:
    after two polls without a worker `wait` starts the workers again (with each job's thread share),
    and not after one (a worker just started may not show yet), nor while one is running."""
    import subprocess
    from avemo.report import cli

    worker = "Worker status: 1 active, 0 idle"
    orphan = "Worker status: 0 active, 0 idle"
    polls = iter([f"a  Running\nb  Queued\n{worker}", f"a  Success\nb  Queued\n{orphan}",
                  f"a  Success\nb  Queued\n{worker}", f"a  Success\nb  Queued\n{orphan}",
                  f"a  Success\nb  Queued\n{orphan}", f"a  Success\nb  Running\n{worker}",
                  f"a  Success\nb  Success\n{orphan}"])
    started = []

    class Done:
        def __init__(self, cmd, env):
            self.stdout = next(polls) if cmd[:3] == ["dvc", "queue", "status"] else ""
            if cmd[:3] == ["dvc", "queue", "start"]:
                started.append((cmd[-1], env["OMP_NUM_THREADS"]))

    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: Done(cmd, kw.get("env") or {}))
    monkeypatch.setattr(cli.time, "sleep", lambda s: None)
    cli.wait(jobs=2)
    assert started == [("2", str(max(1, (__import__("os").cpu_count() or 1) // 2)))]


def test_where_keeps_one_study_s_experiments_when_the_commits_hold_two(tmp_path):
    """The audio-budget study and the papers' table queued on one commit: `--where` with a study's
    `--set` reads that study alone (values read as `dvc exp run -S` reads them: ints, floats, lists),
    and the report says how many others it left out. A param no experiment has stops the report."""
    from avemo.report.tables import matching, parse_settings

    experiments = parse_exp_show(fake_show())
    for k, e in enumerate(experiments):
        budget = k % 2 == 0
        e.params.update({"eval.seeds": 3, "classifier.min_epochs": 20 if budget else 0,
                         "eval.curve_actors": (1, 2, 4) if budget else (12,), "split.audio_share": 0.33 if budget else 1.0})
        e.files[CLIPS] = clips(e.params["split.fold"], 0.1, np.random.default_rng(k))
    where = parse_settings("eval.seeds=3 classifier.min_epochs=20 eval.curve_actors=[1,2,4] split.audio_share=0.33")
    assert where == {"eval.seeds": 3, "classifier.min_epochs": 20, "eval.curve_actors": (1, 2, 4), "split.audio_share": 0.33}
    kept = matching(experiments, where)
    assert [e.name for e in kept] == [e.name for k, e in enumerate(experiments) if k % 2 == 0] and len(kept) == 3
    assert matching(experiments, parse_settings("eval.seeds=3")) == experiments
    with pytest.raises(SystemExit, match="no experiment has the param eval.sedes"):
        matching(experiments, parse_settings("eval.sedes=3"))
    with pytest.raises(SystemExit, match="not key=value"):
        parse_settings("eval.seeds")
    text = write_report([summarise(v) for v in group(kept)], {}, tmp_path, left_out=(3, "classifier.min_epochs=20"))
    assert "3 other experiment(s) of the same commits left out" in text


def test_a_param_that_changes_the_fair_baseline_too_is_read_by_the_change_in_the_delta(tmp_path):
    """`classifier.precision=bf16` trains the fair baseline too: here it leaves the augmented arm's
    clips as they were and makes the baseline worse, so the augmented accuracies do not differ while
    the GAN's gain over its baseline grows by exactly the baseline clips lost."""
    import copy

    rows = fake_show()
    label = [e for e in rows[1]["experiments"] if e["revs"][0]["data"]["params"]["params.yaml"]["data"]["gan"]["condition"] == "label"]
    for e in label:
        e["revs"][0]["data"]["params"]["params.yaml"]["data"]["classifier"] = {"precision": "fp32"}
    twins = copy.deepcopy(label)
    for e in twins:
        e["name"] = e["revs"][0]["name"] = e["name"] + "-bf16"
        e["revs"][0]["rev"] = e["name"] + "-sha"
        e["revs"][0]["data"]["params"]["params.yaml"]["data"]["classifier"]["precision"] = "bf16"
    rows[1]["experiments"] = label + twins
    experiments = parse_exp_show(rows)
    lost = 0
    for e in experiments:
        table = pd.read_csv(io.StringIO(clips(e.params["split.fold"], 0.0, np.random.default_rng(1))))
        if e.params["classifier.precision"] == "bf16":
            worse = table["baseline"] * (np.random.default_rng(e.params["split.fold"] + 7).uniform(size=len(table)) < 0.6)
            lost += (table["baseline"] - worse).sum()
            table["baseline"] = worse
        e.files[CLIPS] = table.to_csv(index=False)
    variants = [summarise(v) for v in group(experiments, {"gan.condition": "label", "classifier.precision": "fp32"})]
    (contrast,) = one_param_contrasts(variants)
    assert (contrast.param, contrast.before, contrast.after) == ("classifier.precision", "fp32", "bf16")
    assert contrast.delta.delta == pytest.approx(0.0)
    assert lost > 0 and contrast.gain_change.delta == pytest.approx(lost / 36)
    write_report(variants, {}, tmp_path, contrasts=[contrast])
    assert json.loads((tmp_path / "tables.json").read_text())["contrasts"][0]["gain_change"]["delta"] == pytest.approx(lost / 36)


def test_the_readme_paragraph_of_a_table_study_gives_each_row_s_delta_and_what_it_resolves(variants):
    """The README's paragraph for `make tables`: the folds and actors pooled, each row's delta with
    its interval (a row with fewer folds says so), the oracle's, and how many rows exclude zero."""
    import re

    from avemo.report.render import TABLE_HEADLINE_BEGIN, readme_headline, table_headline

    text, begin, _ = readme_headline(variants)
    assert begin == TABLE_HEADLINE_BEGIN and text == table_headline(variants)
    assert text.startswith("Pooled over 3 actor folds (9 test actors)")
    label, classifier = variants
    assert f"the committed GAN (params.yaml) {pct(label.pooled['augmented'].delta)} [" in text
    assert f"`gan.condition=classifier` {pct(classifier.pooled['augmented'].delta)} [" in text
    assert len(re.findall(r"[+-]\d+\.\d \[[+-]\d+\.\d, [+-]\d+\.\d\]", text)) == 3  # two rows and the oracle
    assert "1 of 2 rows' 95% intervals exclude zero" in text and "(2 folds)" not in text
    experiments = [e for e in parse_exp_show(fake_show()) if e.name != "c2"]
    rng = np.random.default_rng(0)
    for e in experiments:
        e.files[CLIPS] = clips(e.params["split.fold"], 0.3 if e.params["gan.condition"] == "classifier" else 0.0, rng)
    fewer = table_headline([summarise(v) for v in group(experiments)])
    assert "(2 folds)" in fewer and fewer.count("folds)") == 1


def test_splits_adds_the_dataset_under_data_root(tmp_path, capsys, monkeypatch):
    """`avemo report splits` gives the sets for the dataset at hand (here 12 CREMA-D-named actors, 7 men,
    5 women; only names and demographics are read), beside CREMA-D's and RAVDESS' documented sizes."""
    import yaml

    from avemo.report.cli import main

    root = tmp_path / "crema"
    (root / "AudioWAV").mkdir(parents=True)
    (root / "VideoFlash").mkdir()
    sexes = ["Male"] * 7 + ["Female"] * 5
    (root / "VideoDemographics.csv").write_text("ActorID,Sex\n" + "".join(f"{1001 + k},{s}\n" for k, s in enumerate(sexes)))
    for k in range(12):
        for emotion in ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD"):
            for folder, suffix in (("AudioWAV", "wav"), ("VideoFlash", "flv")):
                (root / folder / f"{1001 + k}_TIE_{emotion}_XX.{suffix}").write_bytes(b"x")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["data"].update(dataset="crema_d", root=str(root))
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    main(["splits", "--params", str(tmp_path / "params.yaml")])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| crema_d at")]
    assert len(rows) == 1, rows
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[1] == "12" and cells[-1] == "8"
    low = sum(int(c.split("-")[0]) for c in cells[2:7])
    high = sum(int(c.split("-")[-1]) for c in cells[2:7])
    assert low <= 12 <= high  # the sets share the 12 actors in every fold
    params["data"]["root"] = str(tmp_path / "absent")
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    main(["splits", "--params", str(tmp_path / "params.yaml")])
    out = capsys.readouterr()
    assert "crema_d at" not in out.out and "no row for data.root" in out.err and "| CREMA-D | 91 |" in out.out


def test_queue_by_fold_puts_every_variant_of_a_fold_before_the_next_and_skips_what_a_ledger_holds(monkeypatch, tmp_path):
    """`--by-fold` queues fold 0's variants, then fold 1's; with `--ledger` the folds a kept experiment
    ran with the same params (the study's --set and the variant's) are not queued again."""
    import subprocess
    from avemo.report import cli, ledger

    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    rows = ["gan.condition=label", "gan.condition=conformal generate.sources=all"]
    args = ["queue", "--folds", "3", "--start-fold", "1", "--set", "eval.seeds=3 eval.curve_actors=[1,2]", "--all-stages"]
    cli.main(args + ["--by-fold", "--variant", rows[0], "--variant", rows[1]])
    sets = [[c[i + 1] for i in range(len(c)) if c[i] == "-S"] for c in calls]
    common = ["eval.seeds=3", "eval.curve_actors=[1,2]"]
    assert sets == [["split.fold=1", *common, rows[0]], ["split.fold=1", *common, *rows[1].split()],
                    ["split.fold=2", *common, rows[0]], ["split.fold=2", *common, *rows[1].split()]]
    # the ledger holds fold 1 of the label row at the study's settings, and fold 2 of it at other settings
    experiments = parse_exp_show(fake_show())[:2]
    for e, fold, seeds in zip(experiments, (1, 2), (3, 1)):
        e.params.update({"split.fold": fold, "eval.seeds": seeds, "eval.curve_actors": (1, 2)})
    ledger.save(tmp_path / "ledger.json.gz", experiments)
    calls.clear()
    cli.main(args + ["--ledger", str(tmp_path / "ledger.json.gz"), "--variant", rows[0], "--variant", rows[1]])
    sets = [[c[i + 1] for i in range(len(c)) if c[i] == "-S"] for c in calls]
    assert sets == [["split.fold=2", *common, rows[0]],  # variant by variant, each over the folds it lacks
                    ["split.fold=1", *common, *rows[1].split()], ["split.fold=2", *common, *rows[1].split()]]


def test_a_ledger_keeps_what_the_report_reads_and_collect_reports_it_with_dvc_s_experiments(monkeypatch, tmp_path):
    """Experiments collected on one machine and kept in the ledger are reported with those DVC holds on
    the next one; the ledger gains the new ones, a collect that adds nothing leaves its bytes alone,
    and the report of the whole equals the report of all the experiments read at once."""
    from avemo.report import cli, ledger

    shown = fake_show()
    every = shown[1]["experiments"]  # newest first, as DVC lists them
    first = [{"rev": "workspace", "data": {}}, {**shown[1], "experiments": every[3:]}]  # l0, l1, l2
    second = [{"rev": "workspace", "data": {}}, {**shown[1], "experiments": every[:3]}]  # c0, c1, c2

    def read_files(experiments, tables, cwd="."):
        for e in experiments:
            e.files[CLIPS] = clips(e.params["split.fold"], 0.3 if e.params["gan.condition"] == "classifier" else 0.0,
                                   np.random.default_rng(len(e.name) + e.params["split.fold"]))

    monkeypatch.setattr(cli, "read_files", read_files)
    monkeypatch.setattr(cli, "head_rev", lambda cwd, rev: "base-sha")
    path = tmp_path / "ledger.json.gz"
    for show in (first, second):
        monkeypatch.setattr(cli, "exp_show", lambda *a, show=show, **kw: show)
        cli.collect(tmp_path / "kept", ledger_path=path)
    kept = ledger.load(path)
    assert [e.name for e in kept] == ["l0", "l1", "l2", "c0", "c1", "c2"]
    assert kept[1].params["train.seed"] == 5 and kept[3].files[CLIPS].startswith("clip,actor")
    before = path.read_bytes()
    monkeypatch.setattr(cli, "exp_show", lambda *a, **kw: [{"rev": "workspace", "data": {}}])
    text = cli.collect(tmp_path / "kept", ledger_path=path)  # a fresh machine: DVC holds nothing
    assert path.read_bytes() == before
    monkeypatch.setattr(cli, "exp_show", lambda *a, **kw: shown)
    assert cli.collect(tmp_path / "once") == text
    monkeypatch.setattr(cli, "exp_show", lambda *a, **kw: [{"rev": "workspace", "data": {}}])
    with pytest.raises(SystemExit, match="no finished experiments"):
        cli.collect(tmp_path / "none", ledger_path=tmp_path / "absent.json.gz")


def mrpn_experiment(name, seeds, spread, rng):
    """An experiment that ran train_mrpn with ``seeds`` seeds: accuracies and paired differences
    whose intervals are ``spread`` wide (points / 100) around per-experiment values."""
    m = {"mrpn.seeds": seeds}
    for v, acc in {"audio_only": 0.45, "video_only": 0.76, "n0_late_fusion": 0.84, "n1": 0.79, "n2": 0.70}.items():
        m[f"mrpn.{v}"], m[f"mrpn.{v}_std"] = acc + rng.normal(0, 0.01), 0.02
    stems = [f"n2_vs_{v}_delta" for v in ("n0_late_fusion", "n1")] + \
        [f"{v}_vs_best_unimodal_delta" for v in ("n0_late_fusion", "n1", "n2")]
    for stem in stems:
        d = rng.normal(0, 0.05)
        m.update({f"mrpn.{stem}": d, f"mrpn.{stem}_ci95_low": d - spread / 2, f"mrpn.{stem}_ci95_high": d + spread / 2})
    from avemo.report.experiments import Experiment
    return Experiment(name, f"{name}-sha", {"mrpn.seeds": seeds, "mrpn.epochs": 8}, m)


def test_the_mrpn_seed_table_gives_each_difference_its_interval_and_half_width_per_seed_count(monkeypatch, tmp_path):
    """`avemo report mrpn`: one column per experiment that ran train_mrpn (its seed count), N2 against
    each other fusion model and every fusion model against the better unimodal one, each with its
    half-width; the widest half-width says whether that seed count resolves +-3 points."""
    from avemo.report import cli
    from avemo.report.mrpn import seed_table

    rng = np.random.default_rng(4)
    three, five = mrpn_experiment("s3", 3, 0.08, rng), mrpn_experiment("s5", 5, 0.05, rng)
    text = seed_table([three, five])
    lines = text.splitlines()
    assert lines[0] == "| | 3 seed(s), mrpn.epochs=8 | 5 seed(s), mrpn.epochs=8 |"
    n2_n1 = next(line for line in lines if line.startswith("| n2 - n1 (points)"))
    d = 100 * five.metrics["mrpn.n2_vs_n1_delta"]
    assert f"{d:+.1f} [{d - 2.5:+.1f}, {d + 2.5:+.1f}] (+-2.5)" in n2_n1 and "(+-4.0)" in n2_n1
    assert any(line.startswith("| n2 - video_only (points)") for line in lines)  # video is the better unimodal
    assert lines[-1] == "| widest half-width | 4.0 | 2.5 (resolves +-3) |"
    assert "| n1 accuracy |" in text and "| audio_only accuracy |" in text
    # the command: only experiments that ran train_mrpn, the results doc's mrpn block filled
    other = parse_exp_show(fake_show())[0]
    monkeypatch.setattr(cli, "exp_show", lambda *a, **kw: [])
    monkeypatch.setattr(cli, "parse_exp_show", lambda rows: [other, three, five])
    monkeypatch.setattr(cli, "read_files", lambda exps, tables, cwd=".": None)
    doc = tmp_path / "results.md"
    doc.write_text("a\n<!-- avemo report mrpn: begin -->\nold\n<!-- avemo report mrpn: end -->\nb\n")
    assert cli.collect_mrpn(tmp_path / "out", doc) == text
    assert text in doc.read_text() and "old" not in doc.read_text() and (tmp_path / "out/mrpn.md").exists()
    with pytest.raises(SystemExit, match="no experiment ran train_mrpn"):
        seed_table([other])


def test_wait_starts_the_workers_then_waits_for_a_study_queued_earlier(monkeypatch):
    """`avemo report wait`: workers started with each job's thread share, then the queue polled until
    nothing is queued or running."""
    import subprocess
    from avemo.report import cli

    calls = []
    polls = iter(["a  Running\nWorker status: 1 active, 0 idle", "a  Success\nWorker status: 0 active, 0 idle"])

    class Done:
        def __init__(self, cmd, env):
            calls.append((cmd[:3], (env or {}).get("OMP_NUM_THREADS")))
            self.stdout = next(polls) if cmd[:3] == ["dvc", "queue", "status"] else ""

    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: Done(cmd, kw.get("env")))
    monkeypatch.setattr(cli.time, "sleep", lambda s: None)
    cli.main(["wait", "--jobs", "2"])
    share = str(max(1, (__import__("os").cpu_count() or 1) // 2))
    assert calls == [(["dvc", "queue", "start"], share), (["dvc", "queue", "status"], None),
                     (["dvc", "queue", "status"], None)]


def face_fold(fold: int, rng, skill: dict, rows_missing: tuple = ()) -> Experiment:
    """A fold experiment that ran face_study: 4 S4 actors of its own x 6 clips, each row's per-clip
    correctness drawn around its ``skill`` (upright) and lower when turned."""
    actors = np.repeat(np.arange(4) + 10 * fold, 6)
    table = pd.DataFrame({"clip": [f"c{fold}_{k}" for k in range(len(actors))], "actor": actors,
                          "label": rng.integers(0, 6, len(actors))})
    for name, p in skill.items():
        if name not in rows_missing:
            table[name] = (rng.random(len(actors)) < p).astype(float)
            table[f"{name}_turned"] = (rng.random(len(actors)) < p - 0.2).astype(float)
    from avemo.report.faces import CLIPS as FACE_CLIPS

    return Experiment(f"f{fold}", f"f{fold}-sha", {"split.fold": fold}, {}, {FACE_CLIPS: table.to_csv(index=False)})


def test_face_study_pools_every_fold_s_test_actors_into_one_interval(monkeypatch, tmp_path):
    """`avemo report faces`: every fold's S4 clips pooled (each fold's actors its own), each row's
    accuracy and its difference to f_S on pixels over all of them, a row a fold did not run compared
    on the clips both scored; a fold counted twice or an actor in two folds' S4 is refused."""
    from avemo.report import cli
    from avemo.report.faces import face_table, pooled_clips

    rng = np.random.default_rng(7)
    skill = {"pixels_cnn": 0.7, "geometry_mlp": 0.5}
    folds = [face_fold(0, rng, skill), face_fold(1, rng, skill, rows_missing=("geometry_mlp",)), face_fold(2, rng, skill)]
    other = Experiment("no-face", "x-sha", {"split.fold": 3}, {}, {})  # ran no face_study: left out
    text = face_table([folds[2], other, folds[0], folds[1]])
    assert text.startswith("3 fold(s), 12 test actors, 72 clips")
    pooled = pd.concat([clip_table_of(e) for e in folds])
    cnn = next(line for line in text.splitlines() if line.startswith("| pixels cnn |"))
    assert cnn.split(" | ")[1].startswith(f"{pooled['pixels_cnn'].mean():.3f} [")
    geometry = next(line for line in text.splitlines() if line.startswith("| geometry mlp |"))
    scored = pooled["geometry_mlp"].notna()
    assert scored.sum() == 48 and geometry.split(" | ")[1].startswith(f"{pooled['geometry_mlp'][scored].mean():.3f} [")
    diff = 100 * (pooled["geometry_mlp"] - pooled["pixels_cnn"])[scored].mean()
    assert geometry.split(" | ")[4].startswith(f"{diff:+.1f} [")
    low, high = (float(v) for v in geometry.split(" | ")[4].split("[")[1].split("]")[0].split(", "))
    assert low <= diff <= high and "Widest half-width vs pixels + cnn:" in text
    # pooling narrows: one fold's interval on pixels_cnn is wider than the three folds'
    width = lambda line: float(line.split(" | ")[1].split("[")[1].split(", ")[1].rstrip("]")) - float(  # noqa: E731
        line.split(" | ")[1].split("[")[1].split(", ")[0])
    alone = next(line for line in face_table([folds[0]]).splitlines() if line.startswith("| pixels cnn |"))
    assert width(alone) > width(cnn)
    with pytest.raises(SystemExit, match=r"fold\(s\) \[0\]"):
        pooled_clips([folds[0], face_fold(0, rng, skill)])
    moved = face_fold(3, rng, skill)
    moved.files = {k: v.replace("30,", "20,") for k, v in moved.files.items()}  # fold 3's first actor is fold 2's
    with pytest.raises(SystemExit, match="in several folds' S4"):
        pooled_clips([folds[2], moved])
    with pytest.raises(SystemExit, match="no experiment ran face_study"):
        face_table([other])
    monkeypatch.setattr(cli, "exp_show", lambda *a, **kw: [])
    monkeypatch.setattr(cli, "parse_exp_show", lambda rows: [other, *folds])
    monkeypatch.setattr(cli, "read_files", lambda exps, tables, cwd=".": None)
    doc = tmp_path / "results.md"
    doc.write_text("a\n<!-- avemo report faces: begin -->\nstale\n<!-- avemo report faces: end -->\nb\n")
    assert cli.collect_faces(tmp_path / "out", doc) == text
    assert text in doc.read_text() and "stale" not in doc.read_text() and (tmp_path / "out/faces.md").exists()


def clip_table_of(exp):
    from avemo.report.experiments import clip_table
    from avemo.report.faces import CLIPS as FACE_CLIPS

    return clip_table(exp, FACE_CLIPS)
