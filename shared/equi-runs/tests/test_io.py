import os
import pickle
import subprocess
import sys

import pytest
from equi_runs import CorruptFileError, load_torch, read_json, save_torch_atomic, write_json_atomic


def test_write_json_atomic_roundtrip_and_no_temp_left(tmp_path):
    p = tmp_path / "a" / "m.json"
    write_json_atomic({"x": 1.5, "nan": float("nan"), "t": (1, 2)}, p)
    assert read_json(p) == {"nan": None, "t": [1, 2], "x": 1.5}
    assert sorted(f.name for f in p.parent.iterdir()) == ["m.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert p.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


@pytest.mark.parametrize("content", ["", '{"a": ', "   \n"])
def test_read_json_names_a_corrupt_file(tmp_path, content):
    p = tmp_path / "result.json"
    p.write_text(content)
    with pytest.raises(CorruptFileError, match=str(p)) as e:
        read_json(p)
    assert "--fresh" in str(e.value)


def test_read_json_missing_file(tmp_path):
    with pytest.raises(CorruptFileError, match="cannot read"):
        read_json(tmp_path / "nope.json")


class _Evil:
    def __reduce__(self):
        return (os.system, (f"touch {os.environ['EVIL_MARK']}",))


def test_load_torch_refuses_code_in_a_checkpoint(tmp_path, monkeypatch):
    mark = tmp_path / "pwned"
    monkeypatch.setenv("EVIL_MARK", str(mark))
    torch = pytest.importorskip("torch")
    ckpt = tmp_path / "checkpoint.pt"
    torch.save({"model": _Evil()}, ckpt)
    with pytest.raises(CorruptFileError, match="checkpoint.pt"):
        load_torch(ckpt)
    assert not mark.exists()


def test_load_torch_refuses_plain_pickle_and_truncated(tmp_path):
    torch = pytest.importorskip("torch")
    p = tmp_path / "plain.pt"
    p.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(CorruptFileError, match="plain.pt"):
        load_torch(p)
    good = tmp_path / "good.pt"
    save_torch_atomic({"w": torch.ones(3)}, good)
    assert torch.equal(load_torch(good)["w"], torch.ones(3))
    cut = tmp_path / "cut.pt"
    cut.write_bytes(good.read_bytes()[:40])
    with pytest.raises(CorruptFileError, match="cut.pt"):
        load_torch(cut)
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty"):
        load_torch(empty)


def test_atomic_write_survives_kill_mid_write(tmp_path):
    """A writer killed while writing a large file leaves the old file whole (never a prefix)."""
    p = tmp_path / "big.json"
    write_json_atomic({"old": True}, p)
    code = (
        "import os, signal, equi_runs._io as io\n"
        "orig = os.fsync\n"
        "def boom(fd):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "io.os.fsync = boom\n"
        f"io.write_json_atomic({{'x': list(range(100000))}}, {str(p)!r})\n"
    )
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode != 0
    assert read_json(p) == {"old": True}
