"""DVC stage: write the synthetic audio-visual emotion corpus in the CREMA-D layout."""
from avemo.atomic import write_json
from avemo.config.core import build, load_params
from avemo.config.corpus import CorpusParams
from avemo.data.synthetic import CorpusSpec, write_corpus
from avemo.stage import run, write_environment

INPUTS = {}
OUTPUTS = {"corpus": "the corpus root (AudioWAV/, VideoFlash/, VideoDemographics.csv)",
           "metrics": "clip counts (JSON)", "environment": "package versions and machine (JSON)"}


def main(args) -> None:
    p = load_params(args.params, CorpusParams)["corpus"]
    clips = write_corpus(build(CorpusSpec, p), args.corpus, workers=p.workers)
    emotions = [c.emotion for c in clips]
    metrics = {"clips": len(clips), "actors": p.n_actors}
    metrics.update({f"clips_{e}": emotions.count(e) for e in sorted(set(emotions))})
    write_json(args.metrics, metrics)
    write_environment(args.environment)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
