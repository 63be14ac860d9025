import pytest

from avemo.config import ParamsError, load_params, parse_section


def test_misspelt_value_names_key_value_and_allowed():
    with pytest.raises(ParamsError) as err:
        parse_section("gan", {"loss": "wasserstien"})
    msg = str(err.value)
    assert "gan.loss" in msg and "'wasserstien'" in msg and "bce, wasserstein" in msg
    assert "\n" not in msg


def test_unknown_key_and_bad_type_and_range():
    with pytest.raises(ParamsError, match="unknown key face.sise"):
        parse_section("face", {"sise": 28})
    with pytest.raises(ParamsError, match="face.size = 'big'"):
        parse_section("face", {"size": "big"})
    with pytest.raises(ParamsError, match=r"preprocess.max_reject_fraction = 2"):
        parse_section("preprocess", {"max_reject_fraction": 2})


def test_split_units_must_add_up():
    with pytest.raises(ParamsError, match="must equal split.units"):
        parse_section("split", {"units": 8})


def test_repo_params_file_is_valid():
    from conftest import ROOT
    import yaml

    sections = yaml.safe_load((ROOT / "params.yaml").read_text())
    loaded = load_params(ROOT / "params.yaml", *sections)
    assert loaded["face"].size == 28


def test_empty_list_is_refused():
    with pytest.raises(ParamsError, match="corpus.levels is empty"):
        parse_section("corpus", {"levels": []})
