"""Training the Rasa model, only when what it learns from has changed."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT

TRAINING_INPUTS = ("config.yml", "domain.yml", "data")


def fingerprint(root: Path = PROJECT_ROOT, config_file: str = "config.yml") -> str:
    """A hash of every file the model is trained from."""
    digest = hashlib.sha256()
    paths: list[Path] = []
    for name in (config_file, *TRAINING_INPUTS[1:]):
        path = root / name
        paths.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    for path in paths:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train(model: Path, config_file: str = "config.yml", force: bool = False) -> bool:
    """Train into `model` unless it was built from the same inputs; returns whether it trained."""
    stamp = model.parent / f"{model.name}.fingerprint"
    current = fingerprint(config_file=config_file)
    if not force and model.exists() and stamp.exists() and stamp.read_text() == current:
        print(f"Model {model} is up to date (config, domain and data unchanged).")
        return False
    model.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--config",
            config_file,
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(model.parent),
            "--fixed-model-name",
            model.name.removesuffix(".tar.gz"),
        ],
        cwd=PROJECT_ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("Training failed; Rasa's message above says which file and rule to fix.")
    stamp.write_text(current)
    return True
