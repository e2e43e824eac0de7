"""Checkers for lesson 16 (Scaling and performance).

16.1 compares the learner's flop count of a Dense layer's training step with the count the
task defines (three matrix products of 2·b·k·n flops, the bias forward and its gradient, b·n
each), on fixed cases (all ones, a batch of one, non-square layers) and cases drawn afresh; a
known mistake (the forward pass only, a multiply-add counted once, the bias or the input
gradient left out) is named only when the answer equals what that mistake gives.

16.2 judges an input pipeline by its behaviour alone. The checker hands the learner's
`make_pipeline` its own data (labels 0..n-1, so every example can be traced), its own `read`
(it doubles the image and counts its calls) and its own `augment` (it adds a random offset,
the same to every pixel of one example), iterates two epochs and checks: batches of the right
size, every example once per epoch, `read` run once per example in all (a cache after it),
fresh offsets every epoch (no cache after the augmentation), one offset per example (the
augmentation mapped before batching), a new full shuffle every epoch (before batching, a
buffer of n), and a prefetch. Sizes are drawn afresh on every call.

16.3 is judged by its outcome: the checker trains the learner's model itself, from the kit's
OUTCOME_SEED, on the 3,000 training digits for 3 epochs at a global batch of 512, and holds it
to a validation accuracy.
"""

import threading

import numpy as np

from helpers.checks import (
    OUTCOME_SEED,
    Reject,
    as_number,
    call,
    diagnose,
    digit_accuracy,
    exercise,
    expect_untrained,
    need_callable,
    outcome_model,
    ready_to_train,
    short,
)

# 16.1 ----------------------------------------------------------------------------------------


def dense_flops_reference(batch, inputs, units):
    """Flops of a Dense layer's training step: 3 products of 2·b·k·n, bias forward + gradient."""
    return 3 * 2 * batch * inputs * units + 2 * batch * units


def _flops_mistakes(b, k, n):
    product = 2 * b * k * n
    return [
        (product + b * n, "your count is the forward pass alone; a training step also runs the "
                          "backward pass, which costs more than the forward one."),
        (3 * b * k * n + 2 * b * n, "your count takes a multiply-add as one flop; count the "
                                    "multiply and the add as two, as section 3 did."),
        (3 * b * k * n, "your count takes a multiply-add as one flop and leaves out the bias."),
        (3 * product, "your count leaves out the bias: its addition in the forward pass and its "
                      "gradient in the backward pass."),
        (3 * product + b * n, "your count has the bias in the forward pass but not its "
                              "gradient in the backward pass."),
        (2 * product + 2 * b * n, "your count has two matrix products where a training step "
                                  "has three: one forward, and two in the backward pass (the "
                                  "gradient with respect to the weights and the one with "
                                  "respect to the input)."),
        (3 * product + 2 * b * k, "your bias terms count batch × inputs; the bias has one entry "
                                  "per unit, so its addition and its gradient each cost "
                                  "batch × units."),
    ]


def _flops_cases():
    return [("batch=32, inputs=784, units=128", 32, 784, 128),
            ("batch=1, inputs=1, units=1", 1, 1, 1),
            ("batch=1, inputs=10, units=3", 1, 10, 3),
            ("batch=7, inputs=2, units=5", 7, 2, 5),
            ("batch=512, inputs=1024, units=1024", 512, 1024, 1024)]


@exercise("16.1")
def dense_step_flops(answer, rng):
    need_callable(answer, "dense_step_flops")
    cases = _flops_cases()
    for _ in range(3):
        b, k, n = (int(v) for v in rng.integers(1, 2049, size=3))
        cases.append((f"batch={b}, inputs={k}, units={n}", b, k, n))
    for given, b, k, n in cases:
        got = call(answer, b, k, n, name="dense_step_flops")
        if got is None:
            raise Reject(f"`dense_step_flops({b}, {k}, {n})` returned None: did you forget to "
                         "`return` the count?")
        value = as_number(got, f"dense_step_flops({b}, {k}, {n})")
        right = dense_flops_reference(b, k, n)
        diagnose(value, right, _flops_mistakes(b, k, n), lambda a, r: a == r)
        if value != right:
            raise Reject(f"for {given} your count is {short(value)}; it should be {right:,}.")
    return (f"right on {len(cases)} layers, from 1×1 to 1024×1024 on batches of 1 to 512 (and "
            "3 drawn at random). A training step costs three times the forward pass's products.")


# 16.2 ----------------------------------------------------------------------------------------

OFFSET = (0.5, 1.5)   # the checker's augment adds one offset from this range to each example


def _tools(h, w, seed):
    """The checker's `read` (doubles the image, counts its calls) and `augment` (adds one
    random offset per call, drawn in NumPy, so that no TensorFlow seed can repeat them), and
    the counter."""
    import tensorflow as tf

    lock, calls, offsets = threading.Lock(), [0], np.random.default_rng(seed)

    def counted(image):
        with lock:
            calls[0] += 1
        return (image * 2).astype("float32")

    def shifted(image):
        with lock:
            offset = offsets.uniform(*OFFSET)
        return (image + offset).astype("float32")

    def read(image, label):
        image = tf.numpy_function(counted, [image], tf.float32)
        image.set_shape((h, w))
        return image, label

    def augment(image, label):
        shape = image.shape
        image = tf.numpy_function(shifted, [image], tf.float32)
        image.set_shape(shape)
        return image, label

    return read, augment, calls


def _chain(dataset):
    """Class names of a dataset and of every dataset it is built on."""
    names, todo = [], [dataset]
    while todo:
        d = todo.pop()
        names.append(type(d).__name__)
        try:
            todo.extend(d._inputs())   # tf.data's own list of input datasets
        except Exception:  # a dataset type without inputs (or an odd object): stop here
            pass
    return names


def _epoch(dataset, n, h, w, what):
    """(ids, images) of one pass over `dataset`, as lists of per-batch arrays."""
    ids, images, total = [], [], 0
    for element in dataset:
        if not isinstance(element, (tuple, list)) or len(element) != 2:
            raise Reject(f"{what} should give (images, labels) pairs; an element was "
                         f"{short(element, 60)}.")
        image, label = (np.asarray(part) for part in element)
        if image.shape == (h, w):
            raise Reject(f"{what} gives single examples of shape {(h, w)}, not batches: batch "
                         "them.")
        total += len(label) if label.ndim else 1
        if total > 3 * n:
            raise Reject(f"{what} gave more than {3 * n} examples in one pass for n = {n}: an "
                         "epoch should end after every example once (did you `repeat()`?).")
        ids.append(label.astype(int))
        images.append(image.astype(float))
    return ids, images


def _expect_batches(ids, images, n, h, w, batch_size, what):
    for i, (label, image) in enumerate(zip(ids, images)):
        if image.shape[1:] != (h, w) or label.shape != image.shape[:1]:
            raise Reject(f"batch {i + 1} of {what} has images of shape {image.shape} and "
                         f"labels of shape {label.shape}; they should be (b, {h}, {w}) and "
                         "(b,).")
    sizes = [len(label) for label in ids]
    if sizes[:-1] and set(sizes[:-1]) != {batch_size} or not sizes or \
            sizes[-1] > batch_size:
        raise Reject(f"with batch_size={batch_size} and n = {n}, {what} gave batches of sizes "
                     f"{short(sizes, 80)}; all should be {batch_size}, the last one perhaps "
                     "smaller.")
    seen = np.concatenate(ids)
    if len(seen) != n or set(seen.tolist()) != set(range(n)):
        counts = np.bincount(seen[(seen >= 0) & (seen < n)], minlength=n)
        raise Reject(f"in one epoch of n = {n} examples {what} gave {len(seen)} examples, "
                     f"{int(np.sum(counts == 0))} of them never and {int(np.sum(counts > 1))} "
                     "more than once; every example should come exactly once.")


def _offsets(x, ids, images, what):
    """Each example's offset (image minus read(x)), per batch; Reject if the images are not
    read(x) plus one constant."""
    offsets = []
    for label, image in zip(ids, images):
        diff = image - 2 * x[label]
        if not np.allclose(diff, diff[:, :1, :1], atol=1e-4):
            if np.allclose(image - x[label], (image - x[label])[:, :1, :1], atol=1e-4):
                raise Reject(f"the images of {what} are not what `read` gives: each image must "
                             "go through `read` (it stands for loading the file).")
            raise Reject(f"the images of {what} are not `augment(*read(x, y))`: "
                         "apply `read` and then `augment` to every example.")
        offsets.append(diff[:, 0, 0])
    return offsets


def _pipeline_cases():
    return [("n = 48 examples of 3×2, batch_size=8", 48, 3, 2, 8),
            ("n = 50 examples of 2×3, batch_size=7 (a last batch of 1)", 50, 2, 3, 7),
            ("n = 40 examples of 1×1, batch_size=40 (one batch per epoch)", 40, 1, 1, 40)]


def _check_pipeline(answer, given, n, h, w, batch_size, x_rng):
    import tensorflow as tf

    x = x_rng.normal(size=(n, h, w)).astype("float32")
    y = np.arange(n, dtype="int64")
    read, augment, calls = _tools(h, w, int(x_rng.integers(2**32)))
    dataset = call(answer, x, y, read, augment, batch_size, name="make_pipeline")
    what = f"your pipeline ({given})"
    if not isinstance(dataset, tf.data.Dataset):
        raise Reject(f"`make_pipeline` should return a tf.data.Dataset; it returned "
                     f"{short(dataset, 40)} ({type(dataset).__name__}).")
    first_ids, first_images = _epoch(dataset, n, h, w, what)
    _expect_batches(first_ids, first_images, n, h, w, batch_size, what)
    second_ids, second_images = _epoch(dataset, n, h, w, what)
    _expect_batches(second_ids, second_images, n, h, w, batch_size, what)
    if calls[0] == 0:
        raise Reject(f"{what} never called `read`: every example must be read once.")
    if calls[0] >= 2 * n:
        raise Reject(f"over two epochs of {n} examples `read` ran {calls[0]} times: it reads "
                     "every example again in every epoch. Keep what it read (cache) so that "
                     "it runs once per example.")
    if calls[0] != n:
        raise Reject(f"over two epochs of {n} examples `read` ran {calls[0]} times; it should "
                     f"run exactly {n} times, once per example.")
    first = _offsets(x, first_ids, first_images, what)
    second = _offsets(x, second_ids, second_images, what)
    every = np.concatenate(first + second)
    if np.all(np.abs(every) < 1e-6):
        raise Reject(f"{what} never applied `augment`.")
    if not np.all((every >= OFFSET[0] - 1e-4) & (every <= OFFSET[1] + 1e-4)):
        raise Reject(f"{what} applies `augment` more than once to an example, or applies it "
                     "before `read`: apply it once, after reading.")
    by_id = [np.empty(n), np.empty(n)]
    for slot, (ids, offs) in enumerate(((first_ids, first), (second_ids, second))):
        by_id[slot][np.concatenate(ids)] = np.concatenate(offs)
    if np.allclose(by_id[0], by_id[1]):
        raise Reject(f"{what} gave every example the same augmentation in both epochs: a "
                     "cache after `augment` keeps the first epoch's random results. Cache "
                     "before augmenting.")
    big = [o for o in first + second if len(o) > 1]
    if big and all(np.allclose(o, o[0]) for o in big):
        raise Reject(f"in {what} all the examples of a batch get the same augmentation: "
                     "`augment` was mapped over whole batches. Map it over single examples, "
                     "before `batch`.")
    orders = [np.concatenate(first_ids), np.concatenate(second_ids)]
    if all(np.array_equal(order, np.arange(n)) for order in orders):
        raise Reject(f"{what} gives the examples in their stored order: shuffle them.")
    if n > batch_size and all(set(b.tolist()) == set(range(b.min(), b.min() + len(b)))
                              for ids in (first_ids, second_ids) for b in ids):
        raise Reject(f"every batch of {what} holds examples that are neighbours in `x` "
                     "(only whole batches were shuffled): shuffle before `batch`.")
    if np.array_equal(orders[0], orders[1]):
        raise Reject(f"{what} gives the examples in the same order in both epochs: the "
                     "order should be new every epoch (`shuffle` reshuffles each epoch unless "
                     "told not to, and a `cache` after it would freeze the first order).")
    if all(np.max(order - np.arange(n)) < n / 2 for order in orders):
        raise Reject(f"{what} shuffles within a small buffer: no example moved forward by "
                     f"half the data set or more. Use a buffer as large as the data, n = {n}.")
    if not any("Prefetch" in name for name in _chain(dataset)):
        raise Reject(f"nothing in {what} prepares batches ahead of time: end it with "
                     "`prefetch`.")


@exercise("16.2")
def make_pipeline(answer, rng):
    need_callable(answer, "make_pipeline")
    cases = _pipeline_cases()
    n, h, w = int(rng.integers(41, 90)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
    batch_size = int(rng.integers(3, 17))
    cases.append((f"n = {n} examples of {h}×{w}, batch_size={batch_size}", n, h, w, batch_size))
    fixed = np.random.default_rng(1602)
    for given, n, h, w, batch_size in cases:
        _check_pipeline(answer, given, n, h, w, batch_size, rng if given == cases[-1][0]
                        else fixed)
    return (f"right on {len(cases)} data sets over two epochs each: every example once per "
            "epoch, read once in all, augmented afresh, reshuffled every epoch before "
            "batching, and prefetched.")


# 16.3 ----------------------------------------------------------------------------------------

BATCH, EPOCHS, TARGET, MAX_PARAMS, UNTRAINED = 512, 3, 0.88, 150_000, 0.3



def _expect_ready(model):
    shape = tuple(model.input_shape) if not isinstance(model.input_shape, list) else None
    if shape != (None, 28, 28):
        raise Reject(f"the model should take images of shape (28, 28) with a batch axis in "
                     f"front, input shape (None, 28, 28); yours has {model.input_shape}.")
    ready_to_train(model, "build_model", MAX_PARAMS,
                   " (the checker trains it in seconds)")


def _learning_rate(model):
    try:
        return float(np.asarray(model.optimizer.learning_rate))
    except Exception:  # a schedule or an odd optimizer: no number to quote
        return None


@exercise("16.3")
def large_batch(answer):
    from helpers import data
    from helpers.startup import import_keras

    keras = import_keras()
    model = outcome_model(answer, "build_model")
    _expect_ready(model)
    mnist = data.load_mnist()
    before = digit_accuracy(model, mnist.x_val, mnist.y_val, batch_size=1000)
    expect_untrained("build_model", before, UNTRAINED,
                     "the model is already right on {:.1%} of the validation digits")
    keras.utils.set_random_seed(OUTCOME_SEED)
    try:
        history = model.fit(mnist.x_train, mnist.y_train, batch_size=BATCH, epochs=EPOCHS,
                            shuffle=True, verbose=0)
    except Exception as error:
        raise Reject(f"training the model raised {type(error).__name__}: "
                     f"{short(str(error), 200)}. Check the loss against the labels (whole "
                     "numbers 0 to 9) and the model's output (10 logits).") from None
    accuracy = digit_accuracy(model, mnist.x_val, mnist.y_val, batch_size=1000)
    if accuracy < TARGET:
        losses = [float(v) for v in history.history.get("loss", [])]
        rate = _learning_rate(model)
        if losses and not np.all(np.isfinite(losses)):
            why = " The training loss became NaN or infinite: the learning rate is too high."
        elif rate is not None and rate <= 2e-3:
            why = (f" Your learning rate is {rate:g}, a small batch's: 18 steps of it move "
                   "the weights too little. What does the linear scaling rule suggest?")
        else:
            why = " Change one thing at a time, starting with the learning rate."
        raise Reject(f"trained for {EPOCHS} epochs at a batch of {BATCH} (the checker's fixed "
                     f"seed), your model is right on {accuracy:.1%} of the validation digits; "
                     f"the target is {TARGET:.0%}.{why}")
    return (f"after {EPOCHS} epochs at a batch of {BATCH} ({EPOCHS * 6} steps) your model is "
            f"right on {accuracy:.1%} of the validation digits (target {TARGET:.0%}).")
