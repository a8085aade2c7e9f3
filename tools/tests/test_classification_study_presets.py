"""The minatar-twohot, minatar-hlgauss and minatar-c51 presets carry the settings the
classification study froze for their heads (issue 16): the evaluation sweep's variant of the
head and its [set] keys, as tools/classification-study-select.py wrote them."""

import os
import pathlib
import tomllib

import pytest

SOURCE = pathlib.Path(os.environ.get("VALOR_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
EVAL = SOURCE / "sweeps" / "classification-eval.toml"
PRESETS = {"two_hot": "minatar-twohot", "hl_gauss": "minatar-hlgauss", "c51": "minatar-c51"}


def preset_value(cfg, dotted):
    section, key = dotted.split(".")
    return cfg[section][key]


@pytest.mark.parametrize("head", sorted(PRESETS))
def test_preset_carries_frozen_settings(head):
    sweep = tomllib.loads(EVAL.read_text())
    variant = next(v for v in sweep["variant"] if v["value.head"] == head)
    cfg = tomllib.loads((SOURCE / "configs" / f"{PRESETS[head]}.toml").read_text())
    expected = {k: v for k, v in sweep["set"].items() if k.startswith(("value.", "train."))}
    expected.pop("train.frames")  # the study's length, not a setting of the agent
    expected.pop("value.quantiles")  # qr's, unused by these heads
    if variant["train.optimizer"] != "adam":
        expected.pop("train.adam_eps")
    expected.update({k: v for k, v in variant.items() if k != "name"})
    for key, value in expected.items():
        assert preset_value(cfg, key) == value, f"{PRESETS[head]}: {key}"
    assert cfg["value"].get("initial_value", 0.0) == 0.0
    assert "docs/results/minatar-classification" in (SOURCE / "configs" /
                                                     f"{PRESETS[head]}.toml").read_text()


def test_minatar_dqn_keeps_the_reference_protocol():
    cfg = tomllib.loads((SOURCE / "configs" / "minatar-dqn.toml").read_text())
    assert cfg["value"]["head"] == "huber"
    assert cfg["train"]["optimizer"] == "rmsprop_centered"
    assert cfg["train"]["learning_rate"] == 2.5e-4
    assert (cfg["train"]["rmsprop_alpha"], cfg["train"]["rmsprop_eps"]) == (0.95, 0.01)
