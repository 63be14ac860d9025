"""DVC stage: validate every section of params.yaml before any other stage runs. Every stage depends
on this stage's output, which is the same whenever the params are valid: a valid change re-runs only
the stages that read it, and an invalid one stops here, before DVC removes any other stage's outputs
(it removes a stage's outputs just before running that stage)."""
import warnings
from pathlib import Path

from avemo.atomic import atomic_path
from avemo.config.all import ALL_SECTIONS, check_across_sections, params_warnings
from avemo.config.core import load_params
from avemo.runinfo import resolve_device
from avemo.stage import run

INPUTS = {}
OUTPUTS = {"checked": "a constant marker: params.yaml is valid"}


def main(args) -> None:
    p = load_params(args.params, *ALL_SECTIONS)
    check_across_sections(p)
    for message in params_warnings(p, Path.cwd()):
        warnings.warn(message)
    resolve_device(p["train"].device)  # train.device: cuda on a machine without a GPU stops here
    with atomic_path(args.checked) as tmp:
        tmp.write_text("params.yaml: every section is valid\n")


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
