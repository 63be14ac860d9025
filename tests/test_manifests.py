import pandas as pd
import pytest

from avemo.data.manifests import DatasetError, build_manifest, crema_d_manifest, ravdess_manifest

SIX = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def test_crema_d_names_demographics_and_rejections(tmp_path):
    for stem in ["1001_DFA_ANG_XX", "1002_IEO_HAP_HI", "1001_XYZ_ANG_XX", "1001_DFA_ANG", "0999_DFA_ANG_XX",
                 "1001_DFA_BOR_XX"]:
        _touch(tmp_path / "AudioWAV" / f"{stem}.wav")
        _touch(tmp_path / "VideoFlash" / f"{stem}.flv")
    _touch(tmp_path / "AudioWAV" / "1003_TIE_SAD_LO.wav")  # no video
    (tmp_path / "VideoDemographics.csv").write_text('"ActorID","Age","Sex","Race","Ethnicity"\n'
                                                    '1001,51,"Male","Caucasian","Not Hispanic"\n'
                                                    '1002,21,"Female","Asian","Not Hispanic"\n')
    table, rejects = crema_d_manifest(tmp_path, SIX)
    assert table["clip"].tolist() == ["1001_DFA_ANG_XX", "1002_IEO_HAP_HI"]
    assert table["sex"].tolist() == ["Male", "Female"]
    assert table.loc[1, ["actor", "sentence", "emotion", "level"]].tolist() == [1002, "IEO", "HAP", "HI"]
    reasons = dict(zip(rejects["clip"], rejects["reason"]))
    assert "sentence" in reasons["1001_XYZ_ANG_XX"]
    assert "does not match" in reasons["1001_DFA_ANG"]
    assert "outside" in reasons["0999_DFA_ANG_XX"]
    assert "emotion" in reasons["1001_DFA_BOR_XX"]
    kinds = dict(zip(rejects["clip"], rejects["kind"]))
    assert kinds["1003_TIE_SAD_LO"] == "no matching video" and "1003_TIE_SAD_LO.flv" in reasons["1003_TIE_SAD_LO"]
    assert kinds["1001_DFA_ANG"] == "name does not parse"
    # every media file is accounted for: the unparsable names' videos are left out with their WAVs, by name
    others = dict(zip(rejects["clip"], rejects["other_file"].fillna("")))
    assert others["1001_DFA_ANG"] == str(tmp_path / "VideoFlash" / "1001_DFA_ANG.flv")
    assert others["1003_TIE_SAD_LO"] == ""
    listed = {*table["audio_path"], *table["video_path"], *rejects["path"], *rejects["other_file"]} - {""}
    on_disk = {str(p) for p in tmp_path.rglob("*") if p.suffix in (".wav", ".flv")}
    assert on_disk <= listed, on_disk - listed


def test_ravdess_speech_only_sex_and_classes(tmp_path):
    names = ["01-01-03-02-01-01-01", "01-01-02-01-01-01-02",  # happy m, calm f
             "01-02-03-01-01-01-01", "03-01-05-01-01-01-01",  # song, audio-only: skipped
             "01-01-09-01-01-01-01", "1-1-3-2-1-1-1"]  # bad emotion code, bad format
    for n in names:
        actor = n.split("-")[-1].zfill(2)
        _touch(tmp_path / f"Actor_{actor}" / f"{n}.mp4")
    six, rej6 = ravdess_manifest(tmp_path, SIX)
    eight, _ = ravdess_manifest(tmp_path, SIX + ("CAL", "SUR"))
    assert six["clip"].tolist() == ["01-01-03-02-01-01-01"]
    assert six.loc[0, ["emotion", "sex", "level", "actor"]].tolist() == ["HAP", "Male", "HI", 1]
    assert sorted(eight["emotion"]) == ["CAL", "HAP"]
    assert eight.set_index("emotion").loc["CAL", "sex"] == "Female"
    assert set(rej6["clip"]) == {"01-01-09-01-01-01-01", "1-1-3-2-1-1-1"}


def test_missing_root_is_one_line_naming_path_and_param(tmp_path):
    with pytest.raises(DatasetError) as err:
        build_manifest("crema_d", tmp_path / "nowhere", SIX)
    assert str(tmp_path / "nowhere") in str(err.value) and "data.root" in str(err.value)


def test_synthetic_corpus_reads_as_crema_d(tiny_corpus):
    table, rejects = build_manifest("synthetic", tiny_corpus, SIX)
    assert len(table) == 24 and rejects.empty
    assert set(table["emotion"]) == set(SIX)
    assert table.groupby("actor")["sex"].first().value_counts().tolist() == [2, 2]
    demo = pd.read_csv(tiny_corpus / "VideoDemographics.csv")
    assert list(demo.columns) == ["ActorID", "Age", "Sex", "Race", "Ethnicity"]


def test_plan_follows_crema_d_levels_and_one_level_balances_classes():
    from collections import Counter

    from avemo.data.synthetic import plan_corpus
    from conftest import tiny_spec

    crema = plan_corpus(tiny_spec(n_actors=2, sentences=("IEO", "TIE")))
    # CREMA-D: IEO at LO/MD/HI for the five emotions and once neutral, TIE once per emotion
    assert len(crema) == 2 * (5 * 3 + 1 + 6)
    assert Counter(c.emotion for c in crema)["NEU"] == 2 * 2
    one = plan_corpus(tiny_spec(n_actors=2, sentences=("IEO", "TIE"), levels=("HI",)))
    assert {c.level for c in one} == {"HI", "XX"}
    assert set(Counter(c.emotion for c in one).values()) == {2 * 2}
