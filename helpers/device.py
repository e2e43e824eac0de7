"""What hardware is this? Which `tf.distribute` strategy fits it? (lesson 00, lesson 16)

Nothing here asserts that a GPU or TPU exists: every function works on a plain CPU.

    devices = detect()              # Devices(tpu=None, gpus=(), cpu_cores=2, ...)
    with scope():                   # the kernel's one strategy: TPU / mirrored / default
        model = build_model()
    strategy().num_replicas_in_sync

The strategy is made once per kernel, on first use: a TPU is connected and initialised once,
not on every call (an explorer redraws a model on every slider move).
"""

import functools
import glob
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field

from helpers.startup import import_tensorflow, quiet_startup

TPU_HINTS = ("TPU_NAME", "COLAB_TPU_ADDR", "TPU_ACCELERATOR_TYPE", "TPU_WORKER_ID")


@dataclass(frozen=True)
class GPU:
    """One GPU: TensorFlow's device name, the card's name, its memory in GiB (None if unknown)."""

    device: str
    name: str
    memory_gib: float | None = None


@dataclass(frozen=True)
class Devices:
    """What `detect()` found."""

    tpu: str | None = None
    gpus: tuple = ()
    cpu_name: str = "CPU"
    cpu_cores: int = 1
    logical_cpus: tuple = ("/device:CPU:0",)
    notes: tuple = field(default=())

    def summary(self):
        """One line for `setup()`: 'CPU (2 cores), no GPU/TPU' or '2 GPUs: ...'."""
        if self.tpu:
            return f"TPU ({self.tpu})"
        if self.gpus:
            names = ", ".join(sorted({g.name for g in self.gpus}))
            plural = "s" if len(self.gpus) > 1 else ""
            return f"{len(self.gpus)} GPU{plural}: {names}"
        split = f", split into {len(self.logical_cpus)} logical devices" \
            if len(self.logical_cpus) > 1 else ""
        return f"CPU ({self.cpu_cores} cores{split}), no GPU or TPU found"


def cpu_name():
    """The processor's model name, as the operating system reports it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def cpu_cores():
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def tpu_address(env=None):
    """The TPU's address if the environment says one is attached, else None.

    We look for hints (Colab/Kaggle/Cloud TPU variables, /dev/accel*) instead of asking the
    cluster resolver blindly, which on an ordinary machine waits on a metadata server.
    """
    env = os.environ if env is None else env
    for name in TPU_HINTS:
        if env.get(name):
            return env[name] if name != "TPU_ACCELERATOR_TYPE" else "local"
    if glob.glob("/dev/accel*") or glob.glob("/dev/vfio/[0-9]*"):
        return "local"
    return None


def gpu_memory_gib():
    """Total memory of each NVIDIA GPU in GiB, from nvidia-smi; [] where it is unavailable."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return []
    try:
        out = subprocess.run([smi, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=10, check=True).stdout
        return [round(float(v) / 1024, 1) for v in out.split()]
    except (OSError, subprocess.SubprocessError, ValueError):
        return []


def nvidia_gpus():
    """The NVIDIA GPUs the driver reports (`nvidia-smi -L`), whether or not TensorFlow can use
    them; [] without a driver."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return []
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10,
                             check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split(":", 1)[1].split("(UUID")[0].strip()
            for line in out.splitlines() if line.startswith("GPU ") and ":" in line]


GPU_ROUTE = ("Run `python3 course.py gpu` (it swaps in TensorFlow's CUDA build, "
             "`tensorflow[and-cuda]`, with the CUDA libraries it needs), then restart the kernel; "
             "see 'Using a GPU or TPU' in README.md")


def gpu_problem(tf, visible, reported, system=None, cpu_only_wheel=None):
    """Why a GPU the driver reports is not one TensorFlow uses (a sentence and what to run),
    or None. `visible`: TensorFlow's GPUs; `reported`: `nvidia_gpus()`."""
    if visible or not reported:
        return None
    system = platform.system() if system is None else system
    card = reported[0] + (f" and {len(reported) - 1} more" if len(reported) > 1 else "")
    if system == "Windows":
        return (f"This machine has an NVIDIA GPU ({card}), but TensorFlow 2.11 and later run "
                "on the GPU only under Linux: on Windows, run the course inside WSL2 (Ubuntu), "
                "where the GPU works. Every lesson also runs on the CPU.")
    if cpu_only_wheel is None:
        cpu_only_wheel = _installed("tensorflow-cpu") or not tf.test.is_built_with_cuda()
    if cpu_only_wheel:
        return (f"This machine has an NVIDIA GPU ({card}), but the installed TensorFlow is the "
                f"CPU-only build, so the lessons run on the CPU. {GPU_ROUTE}.")
    return (f"This machine has an NVIDIA GPU ({card}) and TensorFlow's CUDA build, but "
            "TensorFlow found no GPU it can use: its CUDA libraries are missing or do not match "
            "the driver (`nvidia-smi` shows the driver's CUDA version; TensorFlow 2.21 needs "
            f"CUDA 12). {GPU_ROUTE}.")


def _installed(distribution):
    from importlib import metadata

    try:
        metadata.distribution(distribution)
        return True
    except metadata.PackageNotFoundError:
        return False


def list_gpus(tf):
    """GPU records for TensorFlow's visible GPUs (possibly none)."""
    with quiet_startup():
        physical = tf.config.list_physical_devices("GPU")
    memory = gpu_memory_gib()
    gpus = []
    for i, dev in enumerate(physical):
        try:
            name = tf.config.experimental.get_device_details(dev).get("device_name", dev.name)
        except Exception:  # details are best-effort; the device is still usable
            name = dev.name
        gpus.append(GPU(dev.name, name, memory[i] if i < len(memory) else None))
    return tuple(gpus)


def detect(env=None):
    """Look at TPU, GPUs and CPU without assuming any of them exists. Returns `Devices`."""
    tf = import_tensorflow()
    gpus = list_gpus(tf)
    with quiet_startup():
        logical = tuple(d.name for d in tf.config.list_logical_devices("CPU"))
    problem = gpu_problem(tf, gpus, nvidia_gpus())
    return Devices(tpu=tpu_address(env), gpus=gpus, cpu_name=cpu_name(), cpu_cores=cpu_cores(),
                   logical_cpus=logical or ("/device:CPU:0",),
                   notes=(problem,) if problem else ())


def strategy_kind(devices):
    """'tpu', 'mirrored' (several GPUs, or several logical CPUs) or 'default'."""
    if devices.tpu:
        return "tpu"
    if len(devices.gpus) > 1 or (not devices.gpus and len(devices.logical_cpus) > 1):
        return "mirrored"
    return "default"


_kernel_strategy = None


def strategy():
    """This kernel's `tf.distribute.Strategy`, made on first use by `make_strategy(detect())`
    and the same object ever after."""
    global _kernel_strategy
    if _kernel_strategy is None:
        _kernel_strategy = make_strategy(detect())
    return _kernel_strategy


def scope():
    """`with device.scope():` builds and compiles a model under the kernel's strategy."""
    return strategy().scope()


def make_strategy(devices):
    """A new `tf.distribute.Strategy` for `devices` (lessons use `strategy()` instead).

    TPU → TPUStrategy; several GPUs → MirroredStrategy over them; several logical CPUs (see
    `split_cpu`) → MirroredStrategy over those; otherwise the default strategy (one device).
    """
    tf = import_tensorflow()
    kind = strategy_kind(devices)
    if kind == "tpu":
        return tf.distribute.TPUStrategy(tpu_resolver(devices.tpu))
    if kind == "mirrored":
        names = [g.device for g in devices.gpus] if devices.gpus else list(devices.logical_cpus)
        return tf.distribute.MirroredStrategy(devices=[n.replace("physical_device:", "")
                                                       for n in names])
    return tf.distribute.get_strategy()


@functools.lru_cache(maxsize=None)
def tpu_resolver(address):
    """Connect to the TPU at `address` ('local' on a TPU VM) and initialise it, once per
    process; later calls return the same resolver."""
    tf = import_tensorflow()
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
        tpu="" if address == "local" else address)
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return resolver


def split_cpu(n=2):
    """Split the CPU into `n` logical devices, so `strategy()` mirrors over them.

    Must run before anything in this process touches TensorFlow's devices.
    """
    tf = import_tensorflow()
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
    except RuntimeError:
        raise RuntimeError(
            "split_cpu() must run before TensorFlow has started its devices (before setup(), "
            "detect() or any tensor). Restart the kernel and call it first.") from None
    return tuple(d.name for d in tf.config.list_logical_devices("CPU"))


def describe(devices=None):
    """A table (pandas DataFrame) of every device found and the strategy `strategy()`
    picks for them (named, not started), for lesson 00."""
    import pandas as pd

    tf = import_tensorflow()
    devices = detect() if devices is None else devices
    rows = [{"device": "CPU", "name": devices.cpu_name,
             "details": f"{devices.cpu_cores} cores; TensorFlow sees "
                        f"{len(devices.logical_cpus)} logical CPU device(s)"}]
    for g in devices.gpus:
        memory = f"{g.memory_gib} GiB" if g.memory_gib is not None else "memory unknown"
        rows.append({"device": g.device.replace("/physical_device:", ""), "name": g.name,
                     "details": memory})
    if devices.tpu:
        rows.append({"device": "TPU", "name": devices.tpu, "details": "attached"})
    if not devices.gpus and not devices.tpu:
        rows.append({"device": "GPU / TPU", "name": "none found",
                     "details": "fine for this course: every lesson runs on a CPU"})
    strategy = {"tpu": "TPUStrategy", "mirrored": "MirroredStrategy",
                "default": "default strategy (one device)"}[strategy_kind(devices)]
    rows.append({"device": "strategy", "name": strategy,
                 "details": f"TensorFlow {tf.__version__}, built with CUDA: "
                            f"{tf.test.is_built_with_cuda()}"})
    return pd.DataFrame(rows).set_index("device")
