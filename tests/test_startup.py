"""TensorFlow's start-up noise stays out of the learner's output; real warnings do not."""

import pytest

from helpers.startup import is_noise

NOISE_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1795305193.336743    1893 port.cc:153] oneDNN custom operations are on. You "
    "may see slightly different numerical results",
    "E0000 00:00:1732.1 123 cuda_dnn.cc:8310] Unable to register cuDNN factory: Attempting to "
    "register factory for plugin cuDNN when one has already been registered",
    "W0000 00:00:1732.1 123 gpu_device.cc:2344] Cannot dlopen some GPU libraries.",
    "E0000 00:00:1732.1 123 cuda_executor.cc:1228] failed call to cuInit: INTERNAL: CUDA error",
    "2026-01-01 12:00:00.000: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] "
    "TF-TRT Warning: Could not find TensorRT",
]
REAL_LINES = [
    "/tmp/ipykernel_1/1.py:1: UserWarning: your learning rate is very high",
    "E0000 00:00:1732.1 123 op_kernel.cc:1] Out of memory while allocating a tensor",
    "ValueError: Input 0 of layer dense is incompatible with the layer",
]


@pytest.mark.parametrize("line", NOISE_LINES)
def test_start_up_lines_are_recognised_as_noise(line):
    assert is_noise(line)


@pytest.mark.parametrize("line", REAL_LINES)
def test_real_warnings_and_errors_are_not_noise(line):
    assert not is_noise(line)


@pytest.mark.slow
def test_setup_prints_one_line_and_no_tensorflow_noise(run_python):
    result = run_python("import helpers; helpers.setup()")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", f"noise reached stderr:\n{result.stderr}"
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "backend tensorflow" in lines[0] and "seed 42" in lines[0]


JIT_AFTER_FIT = """
import numpy as np
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile("sgd", "mse", jit_compile=True)
model.fit(np.zeros((8, 4), "float32"), np.zeros((8, 1), "float32"), epochs=1, verbose=0)
print("jit_compile", model.jit_compile)
"""


@pytest.mark.slow
def test_fast_ops_let_keras_compile_with_xla(run_python):
    result = run_python(f"import helpers; helpers.setup(deterministic=False)\n{JIT_AFTER_FIT}")
    assert result.returncode == 0, result.stderr
    assert "fast (non-deterministic) ops" in result.stdout and "jit_compile True" in result.stdout
    assert "doesn't support `jit_compile=True`" not in result.stderr


@pytest.mark.slow
def test_deterministic_ops_make_keras_decline_xla_and_a_later_fast_setup_says_restart(
        run_python):
    result = run_python(f"import helpers; helpers.setup(verbose=False)\n{JIT_AFTER_FIT}"
                        f"helpers.setup(deterministic=False)\n{JIT_AFTER_FIT}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("jit_compile False") == 2
    assert "Model doesn't support `jit_compile=True`" in result.stderr
    assert "restart the kernel" in result.stdout


@pytest.mark.slow
def test_real_warnings_still_reach_the_learner(run_python):
    code = ("import helpers, warnings; helpers.setup(verbose=False)\n"
            "warnings.warn('a real warning')\n"
            "import sys; from helpers.startup import quiet_startup\n"
            "with quiet_startup():\n"
            "    import os; os.write(2, b'a real C++ error line\\n')\n")
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert "UserWarning: a real warning" in result.stderr
    assert "a real C++ error line" in result.stderr
    assert "oneDNN" not in result.stderr


@pytest.mark.slow
def test_import_helpers_is_light_and_a_later_import_keras_is_quiet(run_python):
    code = ("import sys, helpers\n"
            "from helpers import checks, claim, data, plots\n"
            "light = 'tensorflow' not in sys.modules\n"
            "import keras\n"
            "from helpers.startup import QuietTensorFlow\n"
            "hooks = [f for f in sys.meta_path if isinstance(f, QuietTensorFlow)]\n"
            "loader = type(sys.modules['tensorflow'].__loader__).__name__\n"
            "print(light, 'tensorflow' in sys.modules, len(hooks), loader)\n")
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", f"noise reached stderr:\n{result.stderr}"
    assert result.stdout.split() == ["True", "True", "0", "SourceFileLoader"]


def test_the_import_hook_drops_start_up_noise_and_keeps_real_lines(run_python, tmp_path):
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "import os\n"
        "os.write(2, b'I0000 00:00:1.1 1 port.cc:153] oneDNN custom operations are on.\\n')\n"
        "os.write(2, b'a real line from the C++ core\\n')\n"
        "VERSION = 'fake'\n")
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from helpers.startup import install_quiet_import\n"
            "install_quiet_import()\n"
            "import tensorflow\n"
            "print(tensorflow.VERSION)\n" % str(tmp_path))
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "fake"
    assert "a real line from the C++ core" in result.stderr
    assert "oneDNN" not in result.stderr
