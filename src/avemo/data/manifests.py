"""Dataset manifests: a root folder -> a pandas table of clips (docs/design.md, "Data").

Columns: clip, actor, sex, sentence, emotion, level, audio_path, video_path. File names that do not
parse are never guessed: they are returned in a second table with the reason.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import UserError

COLUMNS = ["clip", "actor", "sex", "sentence", "emotion", "level", "audio_path", "video_path"]
REJECT_COLUMNS = ["clip", "path", "reason"]

CREMA_SENTENCES = {"IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI"}
CREMA_EMOTIONS = {"ANG", "DIS", "FEA", "HAP", "NEU", "SAD"}
CREMA_LEVELS = {"LO", "MD", "HI", "XX"}
CREMA_NAME = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$")

# RAVDESS emotion codes mapped to the CREMA-D vocabulary (+ CAL, SUR for the 8-class MRPN setting).
RAVDESS_EMOTIONS = {"01": "NEU", "02": "CAL", "03": "HAP", "04": "SAD", "05": "ANG", "06": "FEA", "07": "DIS", "08": "SUR"}
RAVDESS_NAME = re.compile(r"^(0[1-3])-(0[12])-(0[1-8])-(0[12])-(0[12])-(0[12])-(\d{2})$")


class DatasetError(UserError, FileNotFoundError):
    """The dataset root is missing or holds nothing usable."""


def _require_root(root: Path, *needed: str) -> None:
    if not root.is_dir():
        raise DatasetError(f"dataset root not found: {root} (set data.root in params.yaml)")
    for sub in needed:
        if not (root / sub).exists():
            raise DatasetError(f"dataset root {root} has no {sub} (set data.root in params.yaml)")


def parse_crema_name(stem: str) -> dict | str:
    """``1001_DFA_ANG_XX`` -> fields, or the reason it does not parse."""
    m = CREMA_NAME.match(stem)
    if not m:
        return "name does not match {ActorID}_{Sentence}_{Emotion}_{Level}"
    actor, sentence, emotion, level = m.groups()
    if not 1001 <= int(actor) <= 1091:
        return f"actor id {actor} outside 1001-1091"
    if sentence not in CREMA_SENTENCES:
        return f"unknown sentence code {sentence}"
    if emotion not in CREMA_EMOTIONS:
        return f"unknown emotion code {emotion}"
    if level not in CREMA_LEVELS:
        return f"unknown level code {level}"
    return {"actor": int(actor), "sentence": sentence, "emotion": emotion, "level": level}


def crema_d_manifest(root: str | Path, classes: tuple = tuple(sorted(CREMA_EMOTIONS))) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CREMA-D (and the synthetic corpus, written in its layout): AudioWAV/*.wav + VideoFlash/*.flv."""
    root = Path(root)
    _require_root(root, "AudioWAV", "VideoFlash")
    demo_path = root / "VideoDemographics.csv"
    sexes = {}
    if demo_path.exists():
        demo = pd.read_csv(demo_path)
        sexes = dict(zip(demo["ActorID"].astype(int), demo["Sex"].astype(str)))
    rows, rejects = [], []
    for wav in sorted((root / "AudioWAV").glob("*.wav")):
        video = root / "VideoFlash" / f"{wav.stem}.flv"
        fields = parse_crema_name(wav.stem)
        if isinstance(fields, str):
            rejects.append((wav.stem, str(wav), fields))
        elif not video.exists():
            rejects.append((wav.stem, str(wav), "no matching video in VideoFlash"))
        elif fields["emotion"] in classes:
            rows.append({"clip": wav.stem, **fields, "sex": sexes.get(fields["actor"], "Unknown"),
                         "audio_path": str(wav), "video_path": str(video)})
    return _tables(rows, rejects)


def parse_ravdess_name(stem: str) -> dict | str:
    """``01-01-03-02-01-01-01`` -> fields, or the reason it does not parse."""
    m = RAVDESS_NAME.match(stem)
    if not m:
        return "name does not match the seven two-digit RAVDESS fields"
    modality, channel, emotion, intensity, statement, repetition, actor = m.groups()
    if not 1 <= int(actor) <= 24:
        return f"actor id {actor} outside 01-24"
    return {
        "modality": modality, "channel": channel, "actor": int(actor),
        "sentence": f"S{statement}R{repetition}", "emotion": RAVDESS_EMOTIONS[emotion],
        "level": {"01": "NO", "02": "HI"}[intensity],
    }


def ravdess_manifest(root: str | Path, classes: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    """RAVDESS speech: Actor_XX/01-01-*.mp4 (audio-video); audio taken from the mp4 itself.

    Song (channel 02) and audio-only/video-only files are skipped, not rejected: they are valid
    files outside this task. Odd actor ids are male, even female.
    """
    root = Path(root)
    _require_root(root)
    rows, rejects = [], []
    for path in sorted(root.glob("Actor_*/*")):
        if path.suffix.lower() not in {".mp4", ".wav"}:
            continue
        fields = parse_ravdess_name(path.stem)
        if isinstance(fields, str):
            rejects.append((path.stem, str(path), fields))
            continue
        if fields.pop("channel") != "01" or fields.pop("modality") != "01":
            continue
        if fields["emotion"] in classes:
            sex = "Male" if fields["actor"] % 2 else "Female"
            rows.append({"clip": path.stem, **fields, "sex": sex, "audio_path": str(path), "video_path": str(path)})
    return _tables(rows, rejects)


def _tables(rows: list, rejects: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values("clip", kind="stable").reset_index(drop=True)
    return table, pd.DataFrame(rejects, columns=REJECT_COLUMNS)


# data.dataset -> reader; the synthetic corpus is written in the CREMA-D layout and read unchanged
READERS = {"synthetic": crema_d_manifest, "crema_d": crema_d_manifest, "ravdess": ravdess_manifest}


def build_manifest(dataset: str, root: str | Path, classes: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The manifest of ``root`` read by the reader of ``dataset``."""
    table, rejects = READERS[dataset](root, classes)
    if table.empty:
        raise DatasetError(f"no usable clips under {root} for classes {list(classes)} (check data.root)")
    return table, rejects
