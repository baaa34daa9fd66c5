"""Two visible layers: ``e2cnn_core`` is the library; the experiments live in ``e2cnn_core.experiments``."""

import subprocess
import sys

import e2cnn_core
import e2cnn_core.experiments as experiments

HARNESS = {"reproduce", "run_bench", "train_model", "evaluate", "build_dataset", "load_cifar10", "TrainConfig"}


def test_the_library_namespace_holds_no_experiment_code():
    assert not HARNESS & set(e2cnn_core.__all__)
    assert HARNESS <= set(experiments.__all__)
    for name in e2cnn_core.__all__ + [f"experiments.{n}" for n in experiments.__all__]:
        obj = e2cnn_core
        for part in name.split("."):
            obj = getattr(obj, part)
        module = getattr(obj, "__module__", "e2cnn_core") or ""
        assert module.startswith("e2cnn_core") or not callable(obj), name
        assert ("experiments" in module) == name.startswith("experiments."), (name, module)


def test_importing_the_library_does_not_import_the_experiments():
    code = "import sys, e2cnn_core; print(any(m.startswith('e2cnn_core.experiments') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert done.stdout.strip() == "False"


def test_version():
    assert e2cnn_core.__version__ == "0.2.0"
