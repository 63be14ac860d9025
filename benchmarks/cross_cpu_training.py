"""How much CPU training results depend on the CPU's instruction set: trains the face classifier
(the `train_face_classifier` stage, on the workspace's data/processed and data/splits.csv) under
settings that make this machine run the kernels another CPU would, and compares the weights and S4
accuracy with the default run. Prints a table; needs a `dvc repro` first.

    .venv/bin/python benchmarks/cross_cpu_training.py

ATEN_CPU_CAPABILITY picks ATen's vectorised loops (default = scalar, avx2, avx512); oneDNN, which
runs the convolutions, is capped by ONEDNN_MAX_CPU_ISA (a CPU without AVX-512 runs its AVX2 kernels).
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {  # name -> environment
    "this CPU's default": {},
    "ATen avx2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "ATen avx2 + oneDNN AVX2 (no AVX-512)": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "scalar ATen + oneDNN SSE4.1": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41"},
}


def train(out: Path, extra_env: dict) -> tuple[dict, float]:
    out.mkdir(parents=True)
    env = {**os.environ, **extra_env, "MLFLOW_TRACKING_URI": f"sqlite:///{out / 'mlflow.db'}"}
    subprocess.run([sys.executable, str(ROOT / "stages/train_face_classifier.py"),
                    "--processed", str(ROOT / "data/processed"), "--splits", str(ROOT / "data/splits.csv"),
                    "--model", str(out / "face.pt"), "--metrics", str(out / "face.json"), "--plots", str(out / "plots"),
                    "--environment", str(out / "env.json")], env=env, check=True, capture_output=True, cwd=ROOT)
    weights = torch.load(out / "face.pt", map_location="cpu", weights_only=False)["model"]
    return weights, json.loads((out / "face.json").read_text())["accuracy"]


def main() -> None:
    print(f"machine: {torch.backends.cpu.get_cpu_capability()} default ATen capability, torch {torch.__version__}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        reference = None
        for i, (name, extra) in enumerate(SETTINGS.items()):
            weights, accuracy = train(Path(tmp) / str(i), extra)
            reference = reference or weights
            diff = max((weights[k].float() - reference[k].float()).abs().max().item() for k in reference
                       if reference[k].is_floating_point())
            rows.append((name, diff, accuracy))
    print("| kernels | max abs weight difference vs default | S4 accuracy |\n|---|---|---|")
    for name, diff, accuracy in rows:
        print(f"| {name} | {diff:.3g} | {accuracy:.3f} |")


if __name__ == "__main__":
    main()
