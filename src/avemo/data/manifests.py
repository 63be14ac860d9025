"""Dataset manifests: a root folder -> a pandas table of clips (docs/design.md, "Data").

Columns: clip, actor, sex, sentence, emotion, level, audio_path, video_path. File names that do not
parse, and files without their other half, are never guessed: they are returned in a second table
(clip, path, kind, reason, other_file: the clip's other file left out with it, if any), so every
media file is either in the manifest or in that table. Hidden files (``.name``, macOS ``._name``
forks) are not clips; file extensions match in any case (``.WAV``, ``.FLV``, ``.MP4``).
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from ..errors import UserError
from ..variants import DATASETS, implemented

COLUMNS = ["clip", "actor", "sex", "sentence", "emotion", "level", "audio_path", "video_path"]
REJECT_COLUMNS = ["clip", "path", "kind", "reason", "other_file"]

CREMA_SENTENCES = {"IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI"}
CREMA_EMOTIONS = {"ANG", "DIS", "FEA", "HAP", "NEU", "SAD"}
CREMA_LEVELS = {"LO", "MD", "HI", "XX"}
CREMA_NAME = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$")

# RAVDESS emotion codes mapped to the CREMA-D vocabulary (+ CAL, SUR for the 8-class MRPN setting).
RAVDESS_EMOTIONS = {"01": "NEU", "02": "CAL", "03": "HAP", "04": "SAD", "05": "ANG", "06": "FEA", "07": "DIS", "08": "SUR"}
RAVDESS_NAME = re.compile(r"^(0[1-3])-(0[12])-(0[1-8])-(0[12])-(0[12])-(0[12])-(\d{2})$")


class DatasetError(UserError, FileNotFoundError):
    """The dataset root is missing or holds nothing usable."""


class DatasetWarning(UserWarning):
    """Something the run can live with but the user should know (e.g. unknown sexes)."""


def media_files(folder: Path, suffixes: set[str]) -> dict[str, Path]:
    """stem -> path of the visible entries of ``folder`` whose suffix, in any case, is in ``suffixes``."""
    return {p.stem: p for p in sorted(folder.iterdir()) if not p.name.startswith(".") and p.suffix.lower() in suffixes}


def read_sexes(path: Path) -> dict[int, str]:
    """Actor id -> sex from CREMA-D's ``VideoDemographics.csv``. Missing: a warning and no sexes
    (the split cannot balance them; ``metrics/split.json`` records the share). Malformed: an error
    naming the file and the problem."""
    if not path.exists():
        warnings.warn(f"{path} not found: every actor's sex is Unknown, so S1-S4 cannot be balanced for sex",
                      DatasetWarning, stacklevel=2)
        return {}
    try:
        demo = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: not a readable CSV ({type(err).__name__}: {str(err).splitlines()[0]})") from None
    missing = [c for c in ("ActorID", "Sex") if c not in demo.columns]
    if missing:
        raise DatasetError(f"{path}: no column {missing[0]!r} (columns: {', '.join(map(str, demo.columns))})")
    ids = pd.to_numeric(demo["ActorID"], errors="coerce")
    if ids.isna().any():
        row = int(ids.isna().to_numpy().argmax())
        raise DatasetError(f"{path}: ActorID {demo['ActorID'].iloc[row]!r} on data line {row + 1} is not a number")
    return dict(zip(ids.astype(int), demo["Sex"].astype(str)))


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
    sexes = read_sexes(root / "VideoDemographics.csv")
    audio, video = media_files(root / "AudioWAV", {".wav"}), media_files(root / "VideoFlash", {".flv"})
    rows, rejects = [], []
    for stem, wav in audio.items():
        fields = parse_crema_name(stem)
        if isinstance(fields, str):
            rejects.append((stem, str(wav), "name does not parse", fields, str(video.get(stem, ""))))
        elif stem not in video:
            rejects.append((stem, str(wav), "no matching video", f"no {stem}.flv in {root / 'VideoFlash'}", ""))
        elif fields["emotion"] in classes:
            rows.append({"clip": stem, **fields, "sex": sexes.get(fields["actor"], "Unknown"),
                         "audio_path": str(wav), "video_path": str(video[stem])})
    for stem in sorted(set(video) - set(audio)):
        rejects.append((stem, str(video[stem]), "no matching audio", f"no {stem}.wav in {root / 'AudioWAV'}", ""))
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
    for folder in sorted(p for p in root.glob("Actor_*") if p.is_dir()):
        for path in media_files(folder, {".mp4", ".wav"}).values():
            fields = parse_ravdess_name(path.stem)
            if isinstance(fields, str):
                rejects.append((path.stem, str(path), "name does not parse", fields, ""))
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
READERS = implemented(DATASETS, synthetic=crema_d_manifest, crema_d=crema_d_manifest, ravdess=ravdess_manifest)


def build_manifest(dataset: str, root: str | Path, classes: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The manifest of ``root`` read by the reader of ``dataset``."""
    table, rejects = READERS[dataset](root, classes)
    if table.empty:
        raise DatasetError(f"no usable clips under {root} for classes {list(classes)} (check data.root)")
    absent = [c for c in classes if c not in set(table["emotion"])]
    if absent:
        raise DatasetError(f"data.classes lists {', '.join(absent)} but {root} has no such clips; "
                           "remove them from data.classes")
    return table, rejects
