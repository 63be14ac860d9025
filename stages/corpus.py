"""DVC stage: write the synthetic audio-visual emotion corpus in the CREMA-D layout (with a real
dataset, ``data.dataset`` crema_d or ravdess, it writes only a note: preprocess reads ``data.root``)."""
from avemo.atomic import atomic_dir, write_json
from avemo.config.core import build, load_params
from avemo.config.corpus import CorpusParams
from avemo.config.data import DataParams
from avemo.data.synthetic import CorpusSpec, write_corpus
from avemo.stage import run, write_environment

INPUTS = {}
OUTPUTS = {"corpus": "the corpus root (AudioWAV/, VideoFlash/, VideoDemographics.csv)",
           "metrics": "clip counts (JSON)", "environment": "package versions and machine (JSON)"}


def main(args) -> None:
    params = load_params(args.params, DataParams, CorpusParams)
    data, p = params["data"], params["corpus"]
    write_environment(args.environment)
    if data.dataset != "synthetic":
        with atomic_dir(args.corpus) as tmp:
            (tmp / "NOT_USED.txt").write_text(f"data.dataset = {data.dataset}: preprocess reads {data.root}\n")
        write_json(args.metrics, {"clips": 0, "actors": 0})
        return
    clips = write_corpus(build(CorpusSpec, p), args.corpus, workers=p.workers)
    emotions = [c.emotion for c in clips]
    metrics = {"clips": len(clips), "actors": p.n_actors}
    metrics.update({f"clips_{e}": emotions.count(e) for e in sorted(set(emotions))})
    write_json(args.metrics, metrics)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
