"""DVC stage: write the synthetic audio-visual emotion corpus in the CREMA-D layout (with a real
dataset, ``data.dataset`` crema_d or ravdess, it writes only a note: preprocess reads ``data.root``),
and measure it: the voice's Bayes ceilings, the face-to-voice ceiling, and how many distinct people
its actors are by dlib's face descriptor."""
from pathlib import Path

import numpy as np

from avemo.atomic import atomic_dir
from avemo.config.core import build, load_params
from avemo.config.corpus import CorpusParams
from avemo.config.data import DataParams
from avemo.data.face_voice import face_to_voice_ceiling
from avemo.data.faces import FaceModels
from avemo.data.media import read_video
from avemo.data.synthetic import CorpusSpec, write_corpus
from avemo.data.synthetic_identity import DISTINCT, descriptor_model, distinct_identities, identity_descriptors
from avemo.data.voice_ceiling import LISTENERS, bayes_correct_each
from avemo.evaluation.stats import clopper_pearson
from avemo.stage import run, write_environment, write_results

INPUTS = {}
OUTPUTS = {"corpus": "the corpus root (AudioWAV/, VideoFlash/, VideoDemographics.csv)",
           "results": "folder: results.json (clip counts, the voice's Bayes ceilings, the face-to-voice ceiling, "
                      "distinct identities by dlib's descriptor)",
           "metrics": "headline: the voice's ceiling from one clip of an unseen actor (JSON)",
           "environment": "package versions and machine (JSON)"}


def main(args) -> None:
    params = load_params(args.params, DataParams, CorpusParams)
    data, p = params["data"], params["corpus"]
    write_environment(args.environment)
    if data.dataset != "synthetic":
        with atomic_dir(args.corpus) as tmp:
            (tmp / "NOT_USED.txt").write_text(f"data.dataset = {data.dataset}: preprocess reads {data.root}\n")
        write_results(args, "corpus", {"clips": 0, "actors": 0})
        return
    spec = build(CorpusSpec, p)
    clips = write_corpus(spec, args.corpus, workers=p.workers)
    emotions = [c.emotion for c in clips]
    metrics = {"clips": len(clips), "actors": p.n_actors}
    metrics.update({f"clips_{e}": emotions.count(e) for e in sorted(set(emotions))})
    metrics.update(voice_ceilings(spec, p.ceiling_actors))
    metrics.update(face_to_voice_ceiling(spec, p.ceiling_actors))
    metrics.update(identity_count(Path(args.corpus), clips))
    write_results(args, "corpus", metrics)


def identity_count(root: Path, clips: list) -> dict:
    """How many different people the actors are, by dlib's face descriptor on the middle frame of each
    actor's first neutral clip (two faces are one person below DISTINCT, dlib's convention), counted
    greedily; and the share of actor pairs that dlib would call one person."""
    first = {}
    for clip in clips:
        if clip.emotion == "NEU":
            first.setdefault(clip.actor.actor_id, clip.name)
    frames = [read_video(root / "VideoFlash" / f"{name}.flv", keep=1).frames[0] for name in first.values()]
    descriptors = identity_descriptors(FaceModels.load(), descriptor_model(), frames)
    found = np.isfinite(descriptors).all(1)
    d = descriptors[found]
    pairs = np.linalg.norm(d[:, None] - d[None], axis=-1)[np.triu_indices(len(d), 1)]
    return {"identity_actors": len(frames), "identity_faces_found": int(found.sum()),
            "identity_distinct": distinct_identities(descriptors), "identity_threshold": DISTINCT,
            "identity_same_person_pair_share": round(float((pairs < DISTINCT).mean()), 4) if len(pairs) else None}


def voice_ceilings(spec: CorpusSpec, n_actors: int) -> dict:
    """The most an ideal listener of each kind gets right on this corpus's voices (an upper bound for
    any audio classifier that hears the same), with exact binomial intervals over the Monte Carlo
    clips (module avemo.data.voice_ceiling), from ``n_actors`` Monte Carlo actors of the corpus design."""
    out = {}
    for name, correct in bayes_correct_each(spec, LISTENERS, n_actors=n_actors).items():
        low, high = clopper_pearson(int(correct.sum()), len(correct))
        out.update({f"voice_ceiling_{name}": round(float(correct.mean()), 4),
                    f"voice_ceiling_{name}_ci95_low": round(low, 4), f"voice_ceiling_{name}_ci95_high": round(high, 4),
                    "voice_ceiling_clips": len(correct)})
    return out


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
