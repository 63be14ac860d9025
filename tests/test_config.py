"""params.yaml validation: every error is one line naming the file, the key (or line) and what is
allowed; params.yaml is the only source of defaults; library configs are built by keyword."""
import dataclasses

import pytest
import yaml

from avemo.config.all import ALL_SECTIONS
from avemo.config.core import SECTION_NAMES, ParamsError, build, load_params, parse_section, read_params
from avemo.config.corpus import CorpusParams
from avemo.config.face import FaceParams
from avemo.config.gan import GanParams
from avemo.config.preprocess import PreprocessParams
from avemo.config.split import SplitParams
from conftest import ROOT

REPO = yaml.safe_load((ROOT / "params.yaml").read_text())


def section_classes() -> list[type]:
    return list(ALL_SECTIONS)


def raw(name: str, **changes) -> dict:
    return {**REPO[name], **changes}


def test_misspelt_value_names_key_value_and_allowed():
    with pytest.raises(ParamsError) as err:
        parse_section(GanParams, raw("gan", loss="wasserstien"))
    msg = str(err.value)
    assert "gan.loss" in msg and "'wasserstien'" in msg and "bce, wasserstein" in msg
    assert "\n" not in msg


def test_unknown_key_and_bad_type_and_range():
    with pytest.raises(ParamsError, match="unknown key face.sise"):
        parse_section(FaceParams, raw("face", sise=28))
    with pytest.raises(ParamsError, match="face.size = 'big'"):
        parse_section(FaceParams, raw("face", size="big"))
    with pytest.raises(ParamsError, match=r"preprocess.max_reject_fraction = 2"):
        parse_section(PreprocessParams, raw("preprocess", max_reject_fraction=2))


def test_missing_key_is_an_error_not_a_default():
    values = raw("gan")
    del values["lr_g"]
    with pytest.raises(ParamsError, match="missing key gan.lr_g"):
        parse_section(GanParams, values)


def test_empty_params_file_names_the_missing_section(tmp_path):
    (tmp_path / "params.yaml").write_text("")
    with pytest.raises(ParamsError, match="missing section 'gan'"):
        load_params(tmp_path / "params.yaml", GanParams)


def test_no_section_dataclass_has_a_default():
    for cls in section_classes():
        for f in dataclasses.fields(cls):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, f"{cls}.{f.name}"


def test_every_section_has_exactly_one_dataclass_matching_params_yaml():
    classes = section_classes()
    assert [c.section for c in classes] == list(SECTION_NAMES) == list(REPO)
    for cls in classes:
        assert [f.name for f in dataclasses.fields(cls)] == list(REPO[cls.section]), cls.section


def test_split_units_must_add_up():
    with pytest.raises(ParamsError, match="must equal split.units"):
        parse_section(SplitParams, raw("split", units=9))


def test_repo_params_file_is_valid():
    loaded = load_params(ROOT / "params.yaml", *section_classes())
    assert loaded["face"].size == 28 and set(loaded) == set(SECTION_NAMES)


def test_empty_list_is_refused():
    with pytest.raises(ParamsError, match="corpus.levels is empty"):
        parse_section(CorpusParams, raw("corpus", levels=[]))


def test_a_frame_narrower_than_its_height_is_refused():
    with pytest.raises(ParamsError, match="corpus.frame_width = 300 is narrower than corpus.frame_size = 360"):
        parse_section(CorpusParams, raw("corpus", frame_size=360, frame_width=300))
    assert parse_section(CorpusParams, raw("corpus", frame_size=360, frame_width=480)).frame_width == 480


def test_duplicate_key_and_yaml_syntax_error_are_one_line(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("gan:\n  loss: bce\n  loss: wasserstein\n")
    with pytest.raises(ParamsError, match=r"duplicate key 'loss' at line 3 \(first at line 2\)") as err:
        read_params(path)
    assert "\n" not in str(err.value)
    path.write_text("gan:\n  loss: [bce\n  width: 3\n")
    with pytest.raises(ParamsError, match=r"YAML syntax error at line \d+") as err:
        read_params(path)
    assert "\n" not in str(err.value)


def test_build_fills_by_keyword_and_refuses_silent_defaults():
    @dataclasses.dataclass(frozen=True)
    class Lib:
        loss: str
        seed: int
        extra: int = 7

    gan = parse_section(GanParams, raw("gan"))
    assert build(Lib, gan, extra=1, seed=3) == Lib("bce", 3, 1)
    with pytest.raises(TypeError, match="Lib.extra is in no params section"):
        build(Lib, gan, seed=3)  # the library default is not used
    with pytest.raises(TypeError, match="no field"):
        build(Lib, gan, seed=3, extra=1, nonsense=2)


def check_params_stage():
    from test_architecture import stage_module

    return stage_module("check_params")


def write_params(path, edit) -> None:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    edit(params)
    path.write_text(yaml.safe_dump(params, sort_keys=False))


BAD = {  # what a user writes -> what the one line must say
    "misspelt value": (lambda p: p["gan"].update(loss="wasserstien"), "gan.loss = 'wasserstien' is not allowed"),
    "misspelt key": (lambda p: p["gan"].update(lose="bce"), "unknown key gan.lose"),
    "missing key": (lambda p: p["gan"].pop("lr_g"), "missing key gan.lr_g"),
    "nan": (lambda p: p["gan"].update(lr_g=float("nan")), "gan.lr_g = nan is not allowed; use a finite number"),
    "negative seed": (lambda p: p["train"].update(seed=-1), "train.seed = -1 is not allowed"),
    "batch of one": (lambda p: p["gan"].update(batch_size=1), "gan.batch_size = 1 is not allowed"),
    "window too long": (lambda p: p["face"].update(window=40, sequence_frames=30), "face.window = 40 is longer"),
    "fold beyond": (lambda p: p["split"].update(fold=8), "split.fold = 8 is not allowed; there are 8 folds"),
    "units not divisible": (lambda p: p["split"].update(units=9, s4_units=2),
                            "split.units = 9 is not a multiple of split.s4_units = 2"),
    "empty class list": (lambda p: p["data"].update(classes=[]), "data.classes is empty"),
    "pool without pool units": (lambda p: (p["generate"].update(sources="pool"), p["gan"].update(condition="classifier"),
                                           p["split"].update(units=6, pool_units=0)),
                                "needs a face-only pool: set split.pool_units > 0"),
    "pool with labels": (lambda p: p["generate"].update(sources="s3_pool"),
                         "needs a gan.condition that labels faces without labels (classifier, conformal; got 'label')"),
    "lazy penalty without one": (lambda p: p["gan"].update(loss="bce", gp_every=4),
                                 "gan.gp_every = 4 needs a gan.loss with a gradient penalty (wasserstein; got 'bce')"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_params_stop_the_check_stage_with_one_line_and_status_2(case, tmp_path, capsys):
    edit, message = BAD[case]
    write_params(tmp_path / "params.yaml", edit)
    stage = check_params_stage()
    with pytest.raises(SystemExit) as done:
        stage.run(stage.main, stage.__doc__, stage.INPUTS, stage.OUTPUTS,
                  ["--params", str(tmp_path / "params.yaml"), "--checked", str(tmp_path / "ok")])
    err = capsys.readouterr().err.strip()
    assert done.value.code == 2 and message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "ok").exists()


def test_every_bad_value_is_listed_in_one_run(tmp_path, capsys):
    """Two bad values in one section, one in another, a misspelt key: four lines, one per problem."""
    write_params(tmp_path / "params.yaml", lambda p: (p["gan"].update(loss="wasserstien", lr_g=-1.0, lose="bce"),
                                                      p["face"].update(size="big")))
    stage = check_params_stage()
    with pytest.raises(SystemExit) as done:
        stage.run(stage.main, stage.__doc__, stage.INPUTS, stage.OUTPUTS,
                  ["--params", str(tmp_path / "params.yaml"), "--checked", str(tmp_path / "ok")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert done.value.code == 2 and len(lines) == 4, lines
    for message in ("face.size = 'big'", "gan.loss = 'wasserstien'", "gan.lr_g = -1.0", "unknown key gan.lose"):
        assert sum(message in line for line in lines) == 1, (message, lines)
    assert len({line.split(": ", 1)[0] for line in lines}) == 1  # each line names the stage


def test_cuda_without_a_gpu_is_refused_at_start(tmp_path, capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    write_params(tmp_path / "params.yaml", lambda p: p["train"].update(device="cuda"))
    stage = check_params_stage()
    with pytest.raises(SystemExit):
        stage.run(stage.main, stage.__doc__, stage.INPUTS, stage.OUTPUTS,
                  ["--params", str(tmp_path / "params.yaml"), "--checked", str(tmp_path / "ok")])
    assert "train.device = 'cuda' but torch finds no CUDA GPU" in capsys.readouterr().err


def test_a_stage_on_the_command_line_prints_no_traceback(tmp_path):
    """YAML syntax error and duplicate key, as a user sees them: one line on stderr, exit status 2."""
    import subprocess
    import sys

    for text, message in (("gan:\n  loss: [bce\n", "YAML syntax error at line"),
                          ("data:\n  classes: [ANG]\n  classes: [SAD]\n", "duplicate key 'classes' at line 3")):
        (tmp_path / "params.yaml").write_text(text)
        out = subprocess.run([sys.executable, str(ROOT / "stages/split.py"), "--params", str(tmp_path / "params.yaml"),
                              "--processed", "x", "--splits", "y", "--results", "z"], capture_output=True, text=True)
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and message in out.stderr, out.stderr


def test_dvc_set_param_rewrites_only_the_line_it_sets(tmp_path):
    """`dvc exp run -S` rewrites params.yaml with DVC's own writer: the committed file is in the layout
    that writer produces (block lists, comments where it puts them), so setting a value to itself
    changes no byte, and `-S gan.loss=wasserstein` changes one line."""
    from dvc.utils.hydra import apply_overrides  # what `dvc exp run -S` calls

    original = (ROOT / "params.yaml").read_text()
    path = tmp_path / "params.yaml"
    path.write_text(original)
    apply_overrides(path, [f"gan.loss={REPO['gan']['loss']}"])
    assert path.read_text() == original
    apply_overrides(path, ["gan.loss=wasserstein" if REPO["gan"]["loss"] != "wasserstein" else "gan.loss=bce"])
    before, after = original.splitlines(), path.read_text().splitlines()
    assert len(before) == len(after) and sum(a != b for a, b in zip(before, after)) == 1
