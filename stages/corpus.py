"""DVC stage: write the synthetic audio-visual emotion corpus in the CREMA-D layout.

    python stages/corpus.py PARAMS OUT_ROOT METRICS
"""
import sys

from avemo.atomic import write_json
from avemo.config import load_params
from avemo.data.synthetic import CorpusSpec, write_corpus
from avemo.runinfo import environment


def main(params_path: str, out_root: str, metrics_path: str) -> None:
    p = load_params(params_path, "corpus")["corpus"]
    spec = CorpusSpec(**{k: getattr(p, k) for k in CorpusSpec.__dataclass_fields__})
    clips = write_corpus(spec, out_root, workers=p.workers)
    emotions = [c.emotion for c in clips]
    metrics = {"clips": len(clips), "actors": p.n_actors, **environment()}
    metrics.update({f"clips_{e}": emotions.count(e) for e in sorted(set(emotions))})
    write_json(metrics_path, metrics)


if __name__ == "__main__":
    main(*sys.argv[1:])
