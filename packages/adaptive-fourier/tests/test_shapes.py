import numpy as np
import pytest
from adaptive_fourier.experiments._shapes import CLASSES, load_modelnet, make_shapes, read_off

CUBE = """OFF
8 6 0
0 0 0
1 0 0
1 1 0
0 1 0
0 0 1
1 0 1
1 1 1
0 1 1
4 0 1 2 3
4 4 5 6 7
4 0 1 5 4
4 2 3 7 6
4 1 2 6 5
4 0 3 7 4
"""


def test_shapes_seeded_centred_and_ten_classes():
    x, y = make_shapes(2, 32, seed=3)
    x2, _ = make_shapes(2, 32, seed=3)
    assert x.shape == (20, 32, 3) and len(CLASSES) == 10 and sorted(set(y.tolist())) == list(range(10))
    assert np.array_equal(x, x2)
    assert np.abs(x.mean(1)).max() < 1e-5 and np.allclose(np.linalg.norm(x, axis=2).max(1), 1.0)


def test_read_off_and_modelnet_layout(tmp_path):
    (tmp_path / "cube.off").write_text(CUBE)
    v, t = read_off(tmp_path / "cube.off")
    assert v.shape == (8, 3) and t.shape == (12, 3)
    fused = CUBE.replace("OFF\n8 6 0", "OFF8 6 0")  # ModelNet's quirk
    (tmp_path / "fused.off").write_text(fused)
    assert read_off(tmp_path / "fused.off")[1].shape == (12, 3)
    for cls in ("box", "other"):
        for split in ("train", "test"):
            d = tmp_path / "mn" / cls / split
            d.mkdir(parents=True)
            (d / f"{cls}_0001.off").write_text(CUBE)
    x, y, names = load_modelnet(tmp_path / "mn", "test", points=20)
    assert x.shape == (2, 20, 3) and names == ["box", "other"] and y.tolist() == [0, 1]


@pytest.mark.parametrize("text, message", [
    ("PLY\n", "not an OFF file"),
    ("OFF\n8 x 0\n", "bad counts line"),
    ("OFF\n8 6 0\n0 0 0\n", "has only"),
    (CUBE.replace("4 0 1 2 3", "4 0 1 2 99"), "face 0 is malformed"),
    (CUBE.replace("1 1 0\n", "1 one 0\n", 1), "vertex line"),
    ("", "not an OFF file"),
])
def test_read_off_rejects_malformed_files_clearly(tmp_path, text, message):
    p = tmp_path / "bad.off"
    p.write_text(text)
    with pytest.raises(ValueError, match=message) as e:
        read_off(p)
    assert str(p) in str(e.value)


def test_modelnet_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="unpacked ModelNet10"):
        load_modelnet(tmp_path / "nope")
