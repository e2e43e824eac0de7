"""helpers.device on this CPU machine, plus the TPU and multi-GPU branches with faked inputs."""

import types

import pytest

from helpers import device
from helpers.startup import import_tensorflow

tf = import_tensorflow()


def test_detect_on_this_machine_reports_what_is_there_and_asserts_nothing_else():
    found = device.detect(env={})
    assert found.cpu_cores >= 1 and found.logical_cpus
    assert found.tpu == device.tpu_address({})  # None here; "local" on a TPU VM
    summary = found.summary()
    if found.tpu:
        assert summary.startswith("TPU (")
    elif found.gpus:
        assert f"{len(found.gpus)} GPU" in summary
    else:
        assert summary.startswith(f"CPU ({found.cpu_cores} cores") and "no GPU or TPU" in summary


def test_default_strategy_on_one_device():
    strategy = device.make_strategy(device.Devices(cpu_cores=2))
    assert strategy.num_replicas_in_sync == 1


def test_the_kernel_has_one_strategy_made_on_first_use(monkeypatch):
    made = []
    monkeypatch.setattr(device, "_kernel_strategy", None)
    monkeypatch.setattr(device, "make_strategy", lambda devices: made.append(devices) or
                        tf.distribute.get_strategy())
    first = device.strategy()
    assert device.strategy() is first and len(made) == 1
    with device.scope():
        assert tf.distribute.get_strategy() is first
    assert len(made) == 1


@pytest.mark.parametrize("env, expected", [
    ({}, None),
    ({"COLAB_TPU_ADDR": "10.0.0.2:8470"}, "10.0.0.2:8470"),
    ({"TPU_NAME": "my-tpu"}, "my-tpu"),
    ({"TPU_ACCELERATOR_TYPE": "v5litepod-8"}, "local"),
])
def test_tpu_is_found_from_environment_hints(env, expected, monkeypatch):
    monkeypatch.setattr(device.glob, "glob", lambda pattern: [])
    assert device.tpu_address(env) == expected


def test_tpu_vm_device_files_count_as_a_local_tpu(monkeypatch):
    monkeypatch.setattr(device.glob, "glob", lambda p: ["/dev/accel0"] if "accel" in p else [])
    assert device.tpu_address({}) == "local"


def test_detect_reports_faked_gpus_with_names_and_memory(monkeypatch):
    fake = [types.SimpleNamespace(name=f"/physical_device:GPU:{i}", device_type="GPU")
            for i in range(2)]
    monkeypatch.setattr(tf.config, "list_physical_devices",
                        lambda kind=None: fake if kind == "GPU" else [])
    monkeypatch.setattr(tf.config.experimental, "get_device_details",
                        lambda dev: {"device_name": "NVIDIA A100-SXM4-40GB"})
    monkeypatch.setattr(device, "gpu_memory_gib", lambda: [40.0, 40.0])
    found = device.detect(env={})
    assert [g.memory_gib for g in found.gpus] == [40.0, 40.0]
    assert found.summary() == "2 GPUs: NVIDIA A100-SXM4-40GB"
    assert device.strategy_kind(found) == "mirrored"


def test_several_gpus_give_a_mirrored_strategy_over_them(monkeypatch):
    made = {}
    monkeypatch.setattr(tf.distribute, "MirroredStrategy",
                        lambda devices: made.setdefault("devices", devices))
    gpus = (device.GPU("/physical_device:GPU:0", "T4"), device.GPU("/physical_device:GPU:1", "T4"))
    device.make_strategy(device.Devices(gpus=gpus))
    assert made["devices"] == ["/GPU:0", "/GPU:1"]


def test_one_gpu_keeps_the_default_strategy():
    one = device.Devices(gpus=(device.GPU("/physical_device:GPU:0", "T4"),))
    assert device.strategy_kind(one) == "default"
    assert device.make_strategy(one) is tf.distribute.get_strategy()


@pytest.fixture
def fresh_tpu_cache():
    device.tpu_resolver.cache_clear()
    yield
    device.tpu_resolver.cache_clear()


def test_a_tpu_gives_a_tpu_strategy_and_is_initialised_exactly_once(monkeypatch,
                                                                     fresh_tpu_cache):
    calls = []
    resolver = object()
    monkeypatch.setattr(tf.distribute.cluster_resolver, "TPUClusterResolver",
                        lambda tpu: calls.append(("resolve", tpu)) or resolver)
    monkeypatch.setattr(tf.config, "experimental_connect_to_cluster",
                        lambda r: calls.append(("connect", r is resolver)))
    monkeypatch.setattr(tf.tpu.experimental, "initialize_tpu_system",
                        lambda r: calls.append(("init", r is resolver)))
    monkeypatch.setattr(tf.distribute, "TPUStrategy",
                        lambda r: calls.append(("strategy", r is resolver)) or "tpu-strategy")
    monkeypatch.setattr(device, "_kernel_strategy", None)
    monkeypatch.setattr(device, "detect", lambda env=None: device.Devices(tpu="local"))
    assert device.strategy() == "tpu-strategy"
    assert calls == [("resolve", ""), ("connect", True), ("init", True), ("strategy", True)]
    for _ in range(3):  # an explorer redrawing its model, a second cell, a new strategy
        device.strategy()
        device.make_strategy(device.Devices(tpu="local"))
    assert [c for c in calls if c[0] in ("connect", "init")] == [("connect", True),
                                                                 ("init", True)]


def test_describe_lists_cpu_and_strategy_without_a_gpu():
    table = device.describe(device.Devices(cpu_name="Test CPU", cpu_cores=2))
    assert list(table.index) == ["CPU", "GPU / TPU", "strategy"]
    assert table.loc["CPU", "name"] == "Test CPU"
    assert "every lesson runs on a CPU" in table.loc["GPU / TPU", "details"]
    assert table.loc["strategy", "name"] == "default strategy (one device)"


def test_describe_names_the_tpu_strategy_without_starting_the_tpu():
    table = device.describe(device.Devices(tpu="local"))
    assert table.loc["strategy", "name"] == "TPUStrategy"


def test_gpu_memory_is_empty_without_nvidia_smi(monkeypatch):
    monkeypatch.setattr(device.shutil, "which", lambda name: None)
    assert device.gpu_memory_gib() == []


@pytest.mark.slow
def test_two_logical_cpus_give_a_two_replica_mirrored_strategy(run_python):
    code = (
        "import helpers\n"
        "from helpers import device\n"
        "names = device.split_cpu(2)\n"
        "helpers.setup(verbose=False)\n"
        "strategy = device.strategy()\n"
        "print(type(strategy).__name__, strategy.num_replicas_in_sync, len(names))\n"
        "import tensorflow as tf\n"
        "per_replica = strategy.run(\n"
        "    lambda: tf.distribute.get_replica_context().replica_id_in_sync_group)\n"
        "print(sorted(int(v) for v in strategy.experimental_local_results(per_replica)))\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["MirroredStrategy 2 2", "[0, 1]"]


@pytest.mark.slow
def test_split_cpu_after_start_up_says_to_restart(run_python):
    code = ("import helpers; helpers.setup(verbose=False)\n"
            "from helpers import device\n"
            "try:\n    device.split_cpu(2)\n"
            "except RuntimeError as e:\n    print(e)\n")
    result = run_python(code)
    assert "must run before TensorFlow has started its devices" in result.stdout


class _FakeTF:
    def __init__(self, cuda):
        self.test = types.SimpleNamespace(is_built_with_cuda=lambda: cuda)


def test_no_gpu_from_the_driver_or_a_gpu_tensorflow_uses_needs_no_note():
    assert device.gpu_problem(_FakeTF(False), visible=(), reported=[]) is None
    gpu = (device.GPU("/physical_device:GPU:0", "T4"),)
    assert device.gpu_problem(_FakeTF(True), visible=gpu, reported=["Tesla T4"]) is None


def test_a_gpu_beside_a_cpu_only_tensorflow_is_named_with_what_to_run():
    note = device.gpu_problem(_FakeTF(False), visible=(), reported=["NVIDIA GeForce RTX 3060"],
                              system="Linux", cpu_only_wheel=True)
    assert "NVIDIA GeForce RTX 3060" in note and "CPU-only build" in note
    assert "python3 course.py gpu" in note


def test_a_gpu_tensorflows_cuda_build_cannot_use_is_blamed_on_the_cuda_libraries():
    note = device.gpu_problem(_FakeTF(True), visible=(), reported=["Tesla T4", "Tesla T4"],
                              system="Linux", cpu_only_wheel=False)
    assert "Tesla T4 and 1 more" in note and "CUDA libraries" in note and "CUDA 12" in note


def test_on_windows_the_note_points_to_wsl2():
    note = device.gpu_problem(_FakeTF(False), visible=(), reported=["RTX 4090"], system="Windows")
    assert "WSL2" in note and "course.py gpu" not in note


def test_the_driver_list_is_read_from_nvidia_smi(monkeypatch):
    monkeypatch.setattr(device.shutil, "which", lambda name: "/usr/bin/nvidia-smi")
    out = ("GPU 0: NVIDIA GeForce RTX 3060 (UUID: GPU-1234)\n"
           "GPU 1: Tesla T4 (UUID: GPU-5678)\n")
    monkeypatch.setattr(device.subprocess, "run",
                        lambda *a, **k: types.SimpleNamespace(stdout=out))
    assert device.nvidia_gpus() == ["NVIDIA GeForce RTX 3060", "Tesla T4"]


def test_setup_prints_the_note_when_the_driver_has_a_gpu_tensorflow_cannot_use(monkeypatch,
                                                                               capsys):
    import helpers

    monkeypatch.setattr(device, "nvidia_gpus", lambda: ["NVIDIA GeForce RTX 3060"])
    helpers.setup()
    lines = capsys.readouterr().out.splitlines()
    assert "no GPU or TPU found" in lines[0]
    assert "NVIDIA GeForce RTX 3060" in lines[1] and "CPU-only build" in lines[1]
