"""The report's files: ``tables.md`` (what the README shows), ``tables.json`` (every number) and
``tables.png`` (pooled differences with their intervals)."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..atomic import atomic_path  # noqa: E402
from .budget import (across_links, at_a_budget, budget_figure, budget_of, budget_rows, budget_table, gan_name,  # noqa: E402
                     link_figure, link_of)
from .summary import mrpn_variants  # noqa: E402
from .tables import Contrast, Variant  # noqa: E402

BEGIN, END = "<!-- avemo report: begin -->", "<!-- avemo report: end -->"


def markers(block: str = "") -> tuple[str, str]:
    """The (begin, end) markers of a named report block (``--block budget``), or of the main one."""
    if not block:
        return BEGIN, END
    return f"<!-- avemo report {block}: begin -->", f"<!-- avemo report {block}: end -->"


def pct(v: float) -> str:
    return f"{100 * v:+.1f}"


def interval(d) -> str:
    """``+1.4 [-2.0, +4.9]`` in points, from a PairedDelta."""
    return f"{pct(d.delta)} [{pct(d.low)}, {pct(d.high)}]"


def fold_mean(v: Variant, metric: str, digits: int = 3) -> str:
    if metric not in v.fold_means:
        return "missing"
    mean, low, high = v.fold_means[metric]
    return f"{mean:.{digits}f}" if np.isnan(low) else f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def augmentation_table(variants: list[Variant], versus: dict) -> str:
    head = ("| variant | folds | augmented acc. | fair baseline acc. | delta vs baseline, pooled [95% CI] | half-width | p | "
            "folds better | vs first row [95% CI] | oracle delta | shuffled delta | pseudo-label delta | FID | GAN-test | "
            "copy share | copy ratio |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for v in variants:
        aug = v.pooled.get("augmented")
        won = v.folds_won.get("augmented.delta")
        lines.append(" | ".join([
            f"| {v.label}", str(len(v.folds)), fold_mean(v, "augmented.augmented_accuracy"),
            fold_mean(v, "augmented.baseline_accuracy"), interval(aug) if aug else "missing",
            f"{50 * (aug.high - aug.low):.1f}" if aug else "",
            f"{aug.p_value:.3f}" if aug else "", f"{won}/{len(v.folds)}" if won is not None else "",
            interval(versus[v.label]) if versus.get(v.label) else "",
            interval(v.pooled["oracle"]) if "oracle" in v.pooled else "missing",
            interval(v.pooled["shuffled"]) if "shuffled" in v.pooled else "missing",
            interval(v.pooled["pseudo"]) if "pseudo" in v.pooled else "",
            fold_mean(v, "generation.fid", 1), fold_mean(v, "generation.gan_test", 2),
            fold_mean(v, "generation.copy_share", 2), fold_mean(v, "generation.copy_ratio", 2)]) + " |")
    return "\n".join(lines)


def pool_table(variants: list[Variant]) -> str:
    """Generation from the face-only pool: how many pool faces conformal selection kept and how often
    f_S's label (the generated sample's label) is right, before and after selection; fold means."""
    rows = [v for v in variants if "generate.pool_label_accuracy_all" in v.fold_means]
    if not rows:
        return ""
    lines = ["| variant | folds | pool faces kept | label right, all pool faces | label right, kept faces | "
             "pseudo-label delta | oracle delta |", "|---|---|---|---|---|---|---|"]
    for v in rows:
        lines.append(" | ".join([f"| {v.label}", str(len(v.folds)), fold_mean(v, "generate.pool_selected_share", 2),
                                 fold_mean(v, "generate.pool_label_accuracy_all"),
                                 fold_mean(v, "generate.pool_label_accuracy_selected"),
                                 interval(v.pooled["pseudo"]) if "pseudo" in v.pooled else "missing",
                                 interval(v.pooled["oracle"]) if "oracle" in v.pooled else "missing"]) + " |")
    return "\n".join(lines)


def contrast_table(contrasts: list[Contrast]) -> str:
    lines = ["| param | from | to | with | folds both ran | test actors | augmented acc. difference [95% CI] | p | "
             "p, BH-adjusted | change in the delta vs fair baseline [95% CI] |", "|---|---|---|---|---|---|---|---|---|---|"]
    for c in contrasts:
        gain = interval(c.gain_change) if c.gain_change is not None else ""
        lines.append(f"| {c.param} | {c.before} | {c.after} | {c.context} | {', '.join(map(str, c.folds))} | "
                     f"{c.delta.clusters} | {interval(c.delta)} | {c.delta.p_value:.3f} | {c.p_adjusted:.3f} | {gain} |")
    return "\n".join(lines) if contrasts else ""


def power_note(variants: list[Variant], target: float = 0.03) -> str:
    """Each variant's measured half-width of the augmented delta, where its variance lies (folds,
    actors, clips: ``variance_components``), the half-width that variance gives at the study's own
    folds, and the folds of the same design a +-``target`` interval would need. A difference of two
    models on the same clips varies mostly from clip to clip (the two disagree on clips by chance of
    training), so test clips and ``eval.seeds`` count, not only actors.

    The actor bootstrap resamples actors as if independent, so what one fold's training adds to all
    of its actors' clips it counts once per actor, not once per fold: with a fold component above
    zero its interval is narrower than the design supports, and the variance model's half-width is
    the one to judge a target by."""
    lines = []
    for v in variants:
        d, vc = v.pooled.get("augmented"), v.components
        if d is None or not d.clusters or vc is None:
            continue
        need = vc.folds_for(target)
        room = f" (the split allows {v.max_folds})" if v.max_folds else ""
        lines.append(f"- {v.label}: +-{100 * (d.high - d.low) / 2:.1f} points by the actor bootstrap over "
                     f"{d.clusters} test actors, +-{100 * vc.half_width(vc.folds):.1f} with each fold's training "
                     f"counted once (variance model) in {vc.folds} folds; variance per clip: fold {vc.fold:.4f}, "
                     f"actor {vc.actor:.4f}, clip {vc.clip:.3f}; +-{100 * target:.0f} points needs about {need} "
                     f"folds of {vc.actors_per_fold:.0f} actors x {vc.clips_per_actor:.0f} clips{room}")
    return "\n".join(lines)


def budget_curve(variants: list[Variant]) -> list[tuple[int, float, float, float]]:
    """(actors, accuracy, low, high) at each point of the pooled budget curve (empty before it existed)."""
    v = longest(variants, "curve")
    points = [k for k in (v.curve if v else {}) if k.startswith("actors_")]
    return [(int(k.removeprefix("actors_")), *v.curve[k][:3]) for k in points]


def longest(variants: list[Variant], result: str) -> Variant | None:
    """The variant with most folds among those that have ``result`` (the first of them on a tie)."""
    having = [v for v in variants if getattr(v, result)]
    return max(having, key=lambda v: len(v.folds)) if having else None


def validity_table(variants: list[Variant]) -> str:
    """Conformal validity does not depend on the GAN's params: from the variant with most folds."""
    v = longest(variants, "validity")
    if v is None:
        return ""
    lines = [f"| eps | error on S4, pooled over {len(v.folds)} folds [95% CI] | clips |", "|---|---|---|"]
    for eps, (err, low, high, n) in v.validity.items():
        lines.append(f"| {eps} | {err:.3f} [{low:.3f}, {high:.3f}] | {n} |")
    return "\n".join(lines)


def curve_table(variants: list[Variant]) -> str:
    """The learning curve does not depend on the GAN's params: taken from the variant with most folds."""
    v = longest(variants, "curve")
    if v is None:
        return ""
    lines = [f"| training audio | actors | S4 accuracy, pooled over {len(v.folds)} folds [95% CI] |", "|---|---|---|"]
    names = {"1x": "S3 (the GAN's training set)", "2x": "S3 + S1", "all": "every actor outside S4"}
    points = [k for k in v.curve if k != "gain"]
    for point in points:
        acc, low, high, _ = v.curve[point]
        if point in names:  # experiments run before the budget curve
            label, actors = names[point], v.experiments[0].metrics.get(f"learning_curve.{point}_actors", "")
        else:
            actors = int(point.removeprefix("actors_"))
            label = ("the audio budget (the GAN's training set)" if point == v.curve_base
                     else "every actor outside S4" if point == points[-1] else "the first actors of the budget's order")
        lines.append(f"| {label} | {actors} | {acc:.3f} [{low:.3f}, {high:.3f}] |")
    gain = v.curve["gain"]
    base = "S3" if v.curve_base == "1x" else "the budget"
    lines.append(f"| gain, all vs {base} | | {interval(gain)} points (p {gain.p_value:.3f}) |")
    return "\n".join(lines)


def mrpn_table(variants: list[Variant]) -> str:
    metrics = variants[0].experiments[0].metrics if variants and variants[0].experiments else {}
    unimodal, fusion = mrpn_variants(metrics, "mrpn.")
    names = unimodal + fusion
    if not names:
        return ""
    lines = ["| variant | accuracy (mean +- std over MRPN folds) | vs best unimodal [95% CI] | p |", "|---|---|---|---|"]
    for name in names:
        d = f"mrpn.{name}_vs_best_unimodal_delta"
        ci = (f"{pct(metrics[d])} [{pct(metrics[d + '_ci95_low'])}, {pct(metrics[d + '_ci95_high'])}]"
              if d in metrics else "")
        p = f"{metrics[d + '_p_value']:.3f}" if d in metrics else ""
        lines.append(f"| {name} | {metrics[f'mrpn.{name}']:.3f} +- {metrics[f'mrpn.{name}_std']:.3f} | {ci} | {p} |")
    return "\n".join(lines)


HEADLINE_BEGIN, HEADLINE_END = markers("budget headline")


def budget_headline(variants: list[Variant]) -> str:
    """One paragraph for the README: at the smallest budget of the study, the headroom real audio
    would give and what each GAN variant adds to the fair baseline, with 95% intervals over actors
    (for a study across corpora, on each face-voice link in turn)."""
    rows = budget_rows(variants)
    if not at_a_budget(rows):
        return ""
    smallest = [r for r in rows if r.share == rows[0].share]
    links = across_links(smallest)
    first = smallest[0]
    group = [v for v in variants if budget_of(v) == first.share and gan_name(v.label) in first.delta]
    folds = max(len(v.folds) for v in group)
    parts = [f"At an audio budget of {first.actors} of S3's actors (`split.audio_share={first.share:g}`), pooled over "
             f"{folds} actor folds"]
    for row in smallest:
        on = [v for v in group if link_of(v) == row.link] or group
        curve = longest([v for v in variants if budget_of(v) == row.share and link_of(v) == row.link] or on, "curve")
        corpus = f"with face-voice link {row.link:g}: " if links else ""
        said = []
        if "real" in row.accuracy:
            said.append("the audio CNN on the budget's real audio scores {:.3f} [{:.3f}, {:.3f}]".format(*row.accuracy["real"]))
        if curve is not None and "gain" in curve.curve:
            said.append(f"real audio of every actor outside S4 would add {interval(curve.curve['gain'])} points")
        for label, d in row.delta.items():
            share, low, high = row.closed[label]
            closed = "" if np.isnan(share) else f", closing {share:.2f} [{low:.2f}, {high:.2f}] of the oracle's headroom"
            name = "the committed GAN (params.yaml)" if label == "default" else f"the GAN variant `{label}`"
            said.append(f"{name} adds {interval(d)} points to the fair baseline{closed}")
        parts.append(corpus + "; ".join(said))
    return (", ".join(parts[:2]) + ("; " + "; ".join(parts[2:]) if parts[2:] else "")
            + " (95% intervals over test actors; [docs/results.md](docs/results.md)).\n")


TABLE_HEADLINE_BEGIN, TABLE_HEADLINE_END = markers("table headline")


def row_name(v: Variant) -> str:
    return "the committed GAN" if v.label == "default" else f"`{v.label}`"


def table_headline(variants: list[Variant]) -> str:
    """One paragraph for the README from a study of GAN rows (``make tables``): each row's augmented
    delta to the fair baseline and the first row's oracle delta, with 95% intervals over actors, and
    how many rows' intervals exclude zero. Empty for an audio-budget study (``budget_headline``)."""
    rows = [v for v in variants if "augmented" in v.pooled]
    if not rows or at_a_budget(budget_rows(variants)):
        return ""
    folds = max(len(v.folds) for v in rows)
    actors = max(v.pooled["augmented"].clusters for v in rows)
    seeds = rows[0].experiments[0].params.get("eval.seeds")
    trained = f", each arm trained with {seeds} seeds" if seeds and seeds > 1 else ""
    parts = []
    for v in rows:
        fewer = "" if len(v.folds) == folds else f" ({len(v.folds)} folds)"
        name = row_name(v) + (" (params.yaml)" if v.label == "default" else "")
        parts.append(f"{name} {interval(v.pooled['augmented'])}{fewer}")
    resolved = sum(1 for v in rows if v.pooled["augmented"].low > 0 or v.pooled["augmented"].high < 0)
    oracle = (f" Real audio of the same size (the oracle arm of {row_name(rows[0])}) adds "
              f"{interval(rows[0].pooled['oracle'])}." if "oracle" in rows[0].pooled else "")
    return (f"Pooled over {folds} actor folds ({actors} test actors{trained}), each GAN row's augmented "
            "classifier against the fair baseline, in accuracy points: " + "; ".join(parts) + "."
            + oracle + f" {resolved} of {len(rows)} rows' 95% intervals exclude zero "
            "([docs/results.md](docs/results.md)).\n")


def readme_headline(variants: list[Variant]) -> tuple[str, str, str]:
    """The README paragraph a study writes and the markers of its block: the audio budget's finding
    for a budget study, the GAN rows' deltas otherwise."""
    budget = budget_headline(variants)
    if budget:
        return budget, HEADLINE_BEGIN, HEADLINE_END
    return table_headline(variants), TABLE_HEADLINE_BEGIN, TABLE_HEADLINE_END


def budget_section(variants: list[Variant]) -> str:
    """The audio-budget table when the study is about the budget (``split.audio_share``)."""
    rows = budget_rows(variants)
    if not at_a_budget(rows):
        return ""
    return ("S4 accuracy against the audio budget (how many of S3's actors keep their audio), pooled over folds "
            "with 95% intervals over test actors (`budget.png` beside this report); then each GAN variant against the fair "
            "baseline at its budget and the share of the headroom (oracle minus fair baseline) it closes:\n\n"
            + budget_table(rows))


def markdown(variants: list[Variant], versus: dict, notes: list[str] = (), contrasts: list[Contrast] = (),
             settings: dict | None = None, left_out: tuple[int, str] = (0, "")) -> str:
    budget = budget_section(variants)
    shared = (["Every variant of this study sets " + ", ".join(f"`{k}={v}`" for k, v in settings.items())
               + " (left out of the labels).", ""] if settings else [])
    if left_out[0]:
        shared += [f"Read: the experiments setting `{left_out[1]}`; {left_out[0]} other experiment(s) of the "
                   "same commits left out (another study's).", ""]
    parts = shared + ([budget] if budget else []) + [
             "Augmented classification on real S4, every variant over the same actor folds. Deltas are in "
             "accuracy points, paired on the same test clips and pooled over all folds' test actors; the "
             "interval is a 95% cluster bootstrap over actors, p a sign-flip test over actors. Fold means "
             "carry a t interval over folds.", "", augmentation_table(variants, versus)]
    missing = [f"- {v.label}: {what} missing in {', '.join(names)}" for v in variants for what, names in v.missing.items()]
    if missing:
        parts += ["", "Missing results (not averaged in):", *missing]
    again = [f"- {v.label}: {', '.join(v.superseded)}" for v in variants if v.superseded]
    if again:
        parts += ["", "Folds run more than once (only the newest run is pooled; older runs left out):", *again]
    if notes:
        parts += ["", "Params added after some experiments ran:", *(f"- {n}" for n in notes)]
    power = power_note(variants)
    if power:
        parts += ["", "Power: the augmented delta's 95% half-width, by the actor bootstrap (the tables' interval) "
                      "and by the variance of the per-clip difference split into what a fold's training, an actor "
                      "and a clip add (nested ANOVA), which counts each fold's training once, not once per actor "
                      "(the wider of the two is the one to trust); and the folds a +-3 point interval would need "
                      "at that variance:", power]
    for title, table in (("One-param contrasts: variants whose params differ in one alone, paired on the test "
                          "clips of the folds both ran (augmented accuracy, 'to' minus 'from', points; and how much "
                          "the param changes the augmented arm's gain over its own fair baseline, which differs from "
                          "the first where the param changes the baseline's training too):",
                          contrast_table(list(contrasts))),
                         ("Generation from the face-only pool (share of pool faces kept by conformal selection, "
                          "and how often the class each face is generated for is right; deltas against the fair "
                          "baseline as above):", pool_table(variants)),
                         ("Learning curve of the audio CNN on real audio (headroom for generated audio):",
                          curve_table(variants)),
                         ("Conformal validity (inductive CP on f_S), pooled over folds:", validity_table(variants)),
                         ("MRPN (its own actor folds; every clip tested once):", mrpn_table(variants))):
        if table:
            parts += ["", title, "", table]
    return "\n".join(parts) + "\n"


def as_json(variants: list[Variant], versus: dict, contrasts: list[Contrast] = ()) -> dict:
    def delta(d):
        return None if d is None else {"delta": d.delta, "low": d.low, "high": d.high, "p_value": d.p_value,
                                       "actors": d.clusters}

    return {"variants": [{"label": v.label, "folds": v.folds, "experiments": [e.name for e in v.experiments],
                          "fold_means": {k: dict(zip(("mean", "low", "high"), m)) for k, m in v.fold_means.items()},
                          "folds_won": v.folds_won, "pooled": {k: delta(d) for k, d in v.pooled.items()},
                          "versus_first": delta(versus.get(v.label)),
                          "validity": {e: dict(zip(("error", "low", "high", "clips"), x)) for e, x in v.validity.items()},
                          "curve": {k: (delta(x) if k == "gain" else dict(zip(("accuracy", "low", "high", "actors"), x)))
                                    for k, x in v.curve.items()},
                          "variance_components": None if v.components is None else vars(v.components),
                          "max_folds": v.max_folds, "missing": v.missing} for v in variants],
            "contrasts": [{"param": c.param, "from": c.before, "to": c.after, "with": c.context, "folds": list(c.folds),
                           "p_adjusted": c.p_adjusted, **delta(c.delta), "gain_change": delta(c.gain_change)}
                          for c in contrasts]}


def figure(variants: list[Variant], path: Path) -> None:
    """Each variant's pooled difference to the fair baseline (and its controls'), first row on top;
    long variant labels wrap, and the saved image is cropped to what is drawn, labels included."""
    import textwrap

    fig, ax = plt.subplots(figsize=(8, 0.6 * len(variants) + 1.4))
    for i, v in enumerate(variants):
        for arm, colour, dy in (("augmented", "tab:blue", 0.0), ("oracle", "tab:green", -0.2), ("shuffled", "tab:red", 0.2)):
            d = v.pooled.get(arm)
            if d is not None:
                ax.errorbar(100 * d.delta, i + dy, xerr=[[100 * (d.delta - d.low)], [100 * (d.high - d.delta)]],
                            fmt="o", color=colour, capsize=3, label=arm if i == 0 else None)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(range(len(variants)), [textwrap.fill(v.label.replace(", ", ",\n"), 40) for v in variants],
                  fontsize=7)
    ax.invert_yaxis()  # the table's first row on top
    ax.set_xlabel("accuracy difference vs fair baseline\n(points, pooled over folds, 95% CI over actors)")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def write_report(variants: list[Variant], versus: dict, out_dir: Path, notes: list[str] = (),
                 contrasts: list[Contrast] = (), settings: dict | None = None,
                 left_out: tuple[int, str] = (0, "")) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(variants, versus, notes, contrasts, settings, left_out)
    with atomic_path(out_dir / "tables.md") as tmp:
        tmp.write_text(text)
    with atomic_path(out_dir / "tables.json") as tmp:
        tmp.write_text(json.dumps(as_json(variants, versus, contrasts), indent=2, sort_keys=True, default=float) + "\n")
    figure(variants, out_dir / "tables.png")
    rows = budget_rows(variants)
    if at_a_budget(rows):
        budget_figure(rows, out_dir / "budget.png", budget_curve(variants))
    if across_links(rows):
        link_figure(rows, out_dir / "links.png")
    return text


def replace_block(path: Path, text: str, begin: str = BEGIN, end: str = END) -> None:
    """Put ``text`` between the ``begin`` and ``end`` markers of a Markdown file (they must be there)."""
    content = path.read_text()
    if begin not in content or end not in content:
        raise SystemExit(f"{path} has no '{begin}' ... '{end}' block to fill")
    head, rest = content.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}{end}{tail}")
