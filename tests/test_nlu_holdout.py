"""How well the trained model reads messages it never saw: the bar is 90% of intents right."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import yaml

HOLDOUT = Path(__file__).with_name("nlu_holdout.yml")
ACCURACY_BAR = 0.90
# Messages that must never be read as something harmless.
MUST_NOT_MISS = {"escalate": {"escalate", "human_handoff"}, "human_handoff": {"human_handoff", "escalate"}}


async def test_holdout_accuracy(stack):
    examples = yaml.safe_load(HOLDOUT.read_text())
    token = (stack.var_dir / "rasa_token").read_text()
    wrong, missed_people, total = [], [], 0
    async with aiohttp.ClientSession() as http:
        for expected, texts in examples.items():
            for text in texts:
                url = f"http://127.0.0.1:{stack.rasa_port}/model/parse"
                async with http.post(url, params={"token": token}, json={"text": text}) as response:
                    parsed = await response.json()
                predicted = parsed["intent"]["name"]
                total += 1
                if predicted != expected:
                    wrong.append((text, expected, predicted))
                if expected in MUST_NOT_MISS and predicted not in MUST_NOT_MISS[expected]:
                    missed_people.append((text, predicted))
    accuracy = 1 - len(wrong) / total
    print(f"\nNLU hold-out: {total - len(wrong)}/{total} = {accuracy:.1%}; misses: {wrong}")
    assert total >= 100
    assert accuracy >= ACCURACY_BAR, wrong
    assert not missed_people, "requests for a person were read as something else"
