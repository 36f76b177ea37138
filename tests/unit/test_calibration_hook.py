"""The trainers' calibration call (cookbook.training.calibrate_method): the method gets at most
`peft.calibration_batches` training batches, lazily, once per fresh run and not on resume."""

from types import SimpleNamespace

from cookbook.config import RunConfig
from cookbook.peft_methods import PEFT_METHODS
from cookbook.training import calibrate_method


class FakeTrainer:
    def __init__(self):
        self.model = "the trainable model"
        self.loaders = 0

    def get_train_dataloader(self):
        self.loaders += 1
        return iter([{"input_ids": i} for i in range(10)])


def run_with(calibrate, resume_from=None):
    return SimpleNamespace(resume_from=resume_from, spec=SimpleNamespace(calibrate=calibrate))


def test_method_sees_the_first_n_batches_of_the_training_data():
    seen = []

    def calibrate(model, batches):
        seen.append((model, [b["input_ids"] for b in batches]))
        return {"calibration": {"batches": len(seen[-1][1])}}

    cfg = RunConfig()
    cfg.peft.calibration_batches = 3
    extra = calibrate_method(cfg, FakeTrainer(), run_with(calibrate))
    assert seen == [("the trainable model", [0, 1, 2])] and extra == {"calibration": {"batches": 3}}


def test_methods_without_calibration_cost_nothing_and_resumed_runs_are_not_recalibrated():
    trainer = FakeTrainer()
    assert calibrate_method(RunConfig(), trainer, run_with(PEFT_METHODS.get("lora").calibrate)) == {}
    assert trainer.loaders == 0, "the default hook never builds the data loader"
    called = []
    assert calibrate_method(RunConfig(), trainer, run_with(lambda m, b: called.append(1), "ckpt-3")) == {}
    assert not called
