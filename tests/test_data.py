"""helpers.data: verified real data, fixed splits, deterministic generated data."""

import json
import shutil

import numpy as np
import pytest

from helpers import data


def test_every_manifest_entry_has_source_licence_and_a_matching_file():
    for name, entry in data.manifest().items():
        assert entry["source"] and entry["licence"] and len(entry["sha256"]) == 64, name
        path = data.data_path(name)
        assert path.is_dir() if entry.get("kind") == "folder" else path.is_file(), name


def test_digits_split_is_fixed_stratified_and_scaled():
    a, b = data.load_digits(), data.load_digits()
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert a.x_train.shape[1:] == (8, 8) and a.x_train.dtype == np.float32
    assert 0.0 <= a.x_train.min() and a.x_train.max() == 1.0
    assert len(a.x_train) + len(a.x_val) + len(a.x_test) == 1797
    counts = np.bincount(a.y_test)
    assert counts.min() >= 35 and counts.max() <= 37  # about 36 of each digit


def test_splits_do_not_overlap():
    s = data.load_breast_cancer()
    rows = lambda x: {r.tobytes() for r in x}  # noqa: E731
    assert not rows(s.x_train) & rows(s.x_test)
    assert not rows(s.x_val) & rows(s.x_test)
    assert s.x_train.shape[1] == 30 and set(np.unique(s.y_train)) == {0, 1}


def test_split_in_time_keeps_the_order_and_never_trains_on_the_future():
    t = np.arange(100)
    s = data.split_in_time(t[:, None] * 1.5, t, val=0.2, test=0.1)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (70, 20, 10)
    np.testing.assert_array_equal(np.concatenate([s.y_train, s.y_val, s.y_test]), t)
    assert s.y_train.max() < s.y_val.min() and s.y_val.max() < s.y_test.min()
    np.testing.assert_array_equal(s.x_test[:, 0], t[90:] * 1.5)


def test_split_in_time_refuses_too_few_examples_or_mismatched_rows():
    with pytest.raises(ValueError, match="too few to split"):
        data.split_in_time(np.zeros((2, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="one row per example; x has 4, y 3"):
        data.split_in_time(np.zeros((4, 1)), np.zeros(3))


def test_split_refuses_to_stratify_a_continuous_target_and_says_what_to_use():
    x = np.arange(50.0)[:, None]
    with pytest.raises(ValueError, match="stratify=False.*split_in_time"):
        data.split(x, np.linspace(0, 1, 50))
    s = data.split(x, np.linspace(0, 1, 50), stratify=False)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (30, 10, 10)
    assert not set(s.y_train) & set(s.y_test)


def test_mnist_split_is_balanced_and_scaled():
    s = data.load_mnist()
    assert (len(s.x_train), len(s.x_val), len(s.x_test)) == (3000, 1000, 1000)
    assert s.x_train.shape[1:] == (28, 28) and s.x_train.dtype == np.float32
    assert s.x_train.min() == 0.0 and s.x_train.max() == 1.0
    assert np.bincount(s.y_test).tolist() == [100] * 10


@pytest.mark.parametrize("name", data.PHOTOS)
def test_photos_load_as_floats_in_unit_range(name):
    photo = data.load_photo(name)
    assert photo.dtype == np.float32 and photo.ndim in (2, 3) and min(photo.shape[:2]) >= 300
    assert 0.0 <= photo.min() and photo.max() <= 1.0


def test_an_unknown_photo_lists_the_known_ones():
    with pytest.raises(data.DataFileError, match="choose one of astronaut, camera"):
        data.load_photo("dog")


def test_iris_has_fifty_of_each_species():
    x, y = data.load_iris()
    assert x.shape == (150, 4) and np.bincount(y).tolist() == [50, 50, 50]


def _fake_project(tmp_path, content=b"1,2,3\n"):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tiny.csv").write_bytes(content)
    manifest = {"files": {"tiny": {"path": "data/tiny.csv", "sha256": data.sha256(
        tmp_path / "data" / "tiny.csv"), "source": "test", "licence": "CC0"}}}
    (tmp_path / "data" / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path / "data" / "manifest.json"


def test_a_missing_file_is_named_with_its_fix(tmp_path):
    manifest = _fake_project(tmp_path)
    (tmp_path / "data" / "tiny.csv").unlink()
    with pytest.raises(data.DataFileError,
                       match=r"missing: .*tiny.csv.*git checkout -- data/tiny.csv"):
        data.data_path("tiny", manifest, tmp_path)


def test_a_corrupt_file_is_named_with_its_fix(tmp_path):
    manifest = _fake_project(tmp_path)
    (tmp_path / "data" / "tiny.csv").write_bytes(b"1,2,4\n")
    with pytest.raises(data.DataFileError,
                       match=r"corrupt: .*sha256 differs|corrupt: .*manifest expects"):
        data.data_path("tiny", manifest, tmp_path)


def test_a_good_file_passes_the_check(tmp_path):
    manifest = _fake_project(tmp_path)
    assert data.data_path("tiny", manifest, tmp_path).read_bytes() == b"1,2,3\n"


def test_a_corrupt_package_file_says_how_to_reinstall(tmp_path):
    real = data.manifest()["iris"]
    entry = dict(real, sha256="0" * 64)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "manifest.json").write_text(json.dumps({"files": {"iris": entry}}))
    shutil.copy(data.ROOT / "requirements.txt", tmp_path / "requirements.txt")
    with pytest.raises(data.DataFileError,
                       match=r"pip install --force-reinstall --no-deps scikit-learn==1.9.1"):
        data.data_path("iris", tmp_path / "data" / "manifest.json", tmp_path)


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(data.DataFileError, match="known: .*digits"):
        data.data_path("mnist")


@pytest.mark.parametrize("make", [data.make_xor, data.make_spirals, data.make_moons,
                                  data.make_separable])
def test_generated_data_is_deterministic_and_shaped(make):
    (x1, y1), (x2, y2) = make(seed=3), make(seed=3)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert x1.ndim == 2 and x1.shape[1] == 2 and y1.shape == (len(x1),)
    assert set(np.unique(y1)) == {0, 1}
    assert not np.array_equal(make(seed=4)[0], x1)


def test_xor_labels_follow_the_quadrants():
    x, y = data.make_xor(n=500, noise=0.05)
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int))


def test_separable_data_has_the_promised_margin():
    x, y = data.make_separable(n=300, margin=0.4)
    distance = (x @ np.array([1.0, 1.0]) - 0.5) / np.sqrt(2)
    assert np.all(np.abs(distance) >= 0.2 - 1e-6)
    np.testing.assert_array_equal(y, (distance > 0).astype(int))


# Lessons 09 and 10: data read from data-only packages (requirements-data.txt) ----------------

def test_seattle_weather_is_four_years_of_consecutive_days():
    weather = data.load_seattle_weather()
    assert weather.values.shape == (1461, 4) and weather.values.dtype == np.float32
    assert str(weather.times[0]) == "2012-01-01" and str(weather.times[-1]) == "2015-12-31"
    assert np.all(np.diff(weather.times) == np.timedelta64(1, "D"))
    high, low = weather.column("temp_max"), weather.column("temp_min")
    assert np.all(high >= low) and -10 < low.min() < high.max() < 40
    with pytest.raises(KeyError, match="the columns are temp_max, temp_min"):
        weather.column("humidity")


def test_rotten_tomatoes_is_split_by_movie_with_each_snippet_once():
    reviews = data.load_rotten_tomatoes()
    parts = [reviews.x_train, reviews.x_val, reviews.x_test]
    texts = np.concatenate(parts)
    assert len(texts) == len(set(texts)) == 12_752
    assert 0.55 < np.mean(np.concatenate([reviews.y_train, reviews.y_val, reviews.y_test])) < 0.6
    movie_of = dict(zip(data._reviews()["text"], data._reviews()["movie_name"]))
    movies = [{movie_of[t] for t in part} for part in parts]
    assert not (movies[0] & movies[1]) and not (movies[0] & movies[2]) and \
        not (movies[1] & movies[2])
    assert 0.12 < len(reviews.x_test) / len(texts) < 0.18


def test_surnames_have_one_locale_each():
    names = data.load_surnames()
    x = np.concatenate([names.x_train, names.x_val, names.x_test])
    y = np.concatenate([names.y_train, names.y_val, names.y_test])
    assert len(set(x)) == len(x)                       # a name in two lists was dropped
    assert set(y) == set(range(len(data.SURNAME_LOCALES)))
    assert "Aaltonen" in set(x[y == data.SURNAME_LOCALES.index("fi_FI")])
    with pytest.raises(data.DataFileError, match="No surname list for ja_JP; choose from de_DE"):
        data.load_surnames(("ja_JP",))


def test_census_surnames_are_most_common_first():
    names, share = data.load_census_surnames()
    assert len(names) == 88_799 and names[0] == "SMITH"
    assert np.all(np.diff(share) <= 0)


def test_hamlet_is_the_whole_play_without_the_web_header():
    play = data.load_hamlet()
    assert play.startswith("The Tragedy of Hamlet, Prince of Denmark\nACT I")
    assert "To be, or not to be" in play and "Shakespeare homepage" not in play
    assert 150_000 < len(play) < 200_000 and play.isascii()


# Folder entries (lesson 14's solar cells) ------------------------------------------------

def _fake_folder(tmp_path, files=None):
    files = files or {"a.png": b"first", "sub/b.png": b"second", "c.png": b"third"}
    folder = tmp_path / "data" / "cells"
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    manifest = {"files": {"cells": {"path": "data/cells", "kind": "folder", "files": len(files),
                                    "sha256": data.folder_sha256(folder), "source": "test",
                                    "licence": "CC0"}}}
    (tmp_path / "data" / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path / "data" / "manifest.json", folder


def test_a_good_folder_passes_the_check(tmp_path):
    manifest, folder = _fake_folder(tmp_path)
    assert data.data_path("cells", manifest, tmp_path) == folder


def test_a_folder_with_one_corrupt_byte_is_named_with_its_fix(tmp_path):
    manifest, folder = _fake_folder(tmp_path)
    (folder / "sub" / "b.png").write_bytes(b"secOnd")
    with pytest.raises(data.DataFileError,
                       match=r"folder for 'cells' is corrupt: a file in .*cells differs.*"
                             r"git checkout -- data/cells"):
        data.data_path("cells", manifest, tmp_path)


def test_a_folder_missing_a_file_says_how_many_it_should_hold(tmp_path):
    manifest, folder = _fake_folder(tmp_path)
    (folder / "c.png").unlink()
    with pytest.raises(data.DataFileError, match=r"incomplete or corrupt: .* holds 2 files, "
                                                 r"the manifest expects 3"):
        data.data_path("cells", manifest, tmp_path)


def test_a_missing_folder_is_named_with_its_fix(tmp_path):
    manifest, folder = _fake_folder(tmp_path)
    shutil.rmtree(folder)
    with pytest.raises(data.DataFileError, match=r"folder for 'cells' is missing: .*cells"):
        data.data_path("cells", manifest, tmp_path)


def test_folder_sha256_sees_a_renamed_file_but_not_the_order_files_were_written():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        for folder, order in ((a, ("x", "y")), (b, ("y", "x"))):
            for name in order:
                (Path(folder) / name).write_bytes(name.encode())
        assert data.folder_sha256(a) == data.folder_sha256(b)
        (Path(b) / "y").rename(Path(b) / "z")
        (Path(b) / "z").write_bytes(b"y")
        assert data.folder_sha256(a) != data.folder_sha256(b)


def test_a_corrupt_byte_in_a_copy_of_the_real_elpv_images_is_caught(tmp_path):
    real = data.manifest()["elpv_images"]
    shutil.copytree(data.data_path("elpv_images"), tmp_path / "images")
    target = tmp_path / "images" / "cell1312.png"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 1
    target.write_bytes(bytes(raw))
    (tmp_path / "data").mkdir()
    entry = dict(real, path="images")
    del entry["package"]
    (tmp_path / "data" / "manifest.json").write_text(json.dumps({"files": {"elpv": entry}}))
    with pytest.raises(data.DataFileError, match=r"folder for 'elpv' is corrupt"):
        data.data_path("elpv", tmp_path / "data" / "manifest.json", tmp_path)


def test_elpv_is_a_fixed_stratified_split_of_grey_cells_in_unit_range():
    import time

    start = time.perf_counter()
    cells = data.load_elpv(size=32)
    assert time.perf_counter() - start < 20
    assert cells.x_train.shape[1:] == (32, 32) and cells.x_train.dtype == np.float32
    assert 0.0 <= cells.x_train.min() and cells.x_train.max() <= 1.0
    assert len(cells.y_train) + len(cells.y_val) + len(cells.y_test) == 2624
    defective = np.concatenate([cells.y_train, cells.y_val, cells.y_test]).sum()
    assert defective == 715 + 106                  # probability 1 and 2/3
    assert abs(cells.y_test.mean() - cells.y_train.mean()) < 0.01
    again = data.load_elpv(size=32, limit=300)
    assert len(again.y_train) + len(again.y_val) + len(again.y_test) == 300
    np.testing.assert_array_equal(again.y_test, data.load_elpv(size=32, limit=300).y_test)
    assert data.ELPV_CLASSES == ("functional", "defective")
