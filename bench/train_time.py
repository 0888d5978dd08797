"""Training time of the full model from scratch, on a copy of the inputs (the real model is untouched).

Trains config.yml + domain.yml + data/ in a temp dir with an empty Rasa cache, as a first
`make train` would, and reports the wall time, CPU time and peak RSS of the training process.
It keeps both cores busy for about 4 minutes: run it when nothing else heavy runs.

.venv/bin/python -m bench.train_time
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot import config
from bot.training import TRAINING_INPUTS


def main() -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="train-time-") as tmp:
        work = Path(tmp)
        for name in TRAINING_INPUTS:
            source = config.PROJECT_ROOT / name
            copy = shutil.copytree if source.is_dir() else shutil.copyfile
            copy(source, work / name)
        env = {
            **os.environ,
            "RASA_CACHE_DIRECTORY": str(work / "cache"),  # from scratch: nothing cached
            "PYTHONPATH": str(config.PROJECT_ROOT),  # the custom NLU components
            "KNOWLEDGE_DIR": str(config.knowledge_dir()),
        }
        command = [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--out",
            str(work / "models"),
            "--fixed-model-name",
            "m",
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            command, cwd=work, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "peak_rss_mib": round(after.ru_maxrss / 1024, 1),
            "model_mib": round((work / "models" / "m.tar.gz").stat().st_size / 2**20, 1),
        }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
