import json

import numpy as np
import pytest
import torch
from cryo_equi import GridVolume, atoms_to_density, lowpass, project, random_rotations, render
from cryo_equi._cli import main
from cryo_equi.experiments._diagnose import geodesic_deg, refine_poses, rotations_by_angle


def _blob_volume(box: int = 16) -> torch.Tensor:
    # a few Gaussian atoms at random places: no symmetry, so every pose gives a different image
    rng = np.random.default_rng(3)
    xyz = rng.uniform(-4.0, 4.0, (12, 3)) * 1.5
    return torch.as_tensor(atoms_to_density(xyz, np.full(12, 6), box, 1.5, 5.0))


def test_grid_volume_renders_the_projection_of_its_map():
    vol = _blob_volume()
    rots = torch.as_tensor(random_rotations(6, np.random.default_rng(0)))
    grid = GridVolume.from_map(vol)
    for kmax in (3.0, 5.0):
        ref = lowpass(project(vol, rots).float(), kmax)
        got = render(grid, rots.float(), kmax=kmax)
        assert ((got - ref).norm() / ref.norm()).item() < 0.03
    # the unrotated map comes back from its Fourier grid (frequencies inside the sphere of radius D / 2)
    back = grid.to_volume().double()
    assert ((lowpass(back.sum(0)[None], 4.0) - lowpass(vol.sum(0)[None], 4.0)).norm() / vol.sum(0).norm()) < 0.02


def test_grid_volume_is_hermitian_whatever_its_parameters():
    grid = GridVolume(box=10, trainable=True)
    with torch.no_grad():
        grid.values.normal_()
    k = torch.randn(50, 3) * 3
    assert torch.allclose(grid(-k), grid(k).conj(), atol=1e-5)
    assert abs(grid(torch.zeros(1, 3)).imag.item()) < 1e-6
    assert grid.values.requires_grad and len(list(grid.parameters())) == 1
    with pytest.raises(ValueError, match="cube"):
        GridVolume.from_map(torch.zeros(4, 4, 5))


def test_rotations_by_angle_have_that_angle():
    r = torch.as_tensor(rotations_by_angle(20, 25.0, np.random.default_rng(0)))
    assert torch.allclose(r @ r.transpose(1, 2), torch.eye(3, dtype=r.dtype).expand(20, 3, 3), atol=1e-12)
    assert torch.allclose(torch.det(r), torch.ones(20, dtype=r.dtype))
    assert torch.allclose(geodesic_deg(torch.eye(3, dtype=r.dtype), r), torch.full((20,), 25.0, dtype=r.dtype))


@pytest.mark.parametrize("transposed", [False, True])
def test_pose_refinement_through_the_renderer_finds_the_true_poses(transposed):
    # images of the true poses: refinement from 25 degrees off returns to the truth. The negative control renders
    # the images with A^T (a plausible convention slip) and must not look converged: the test can fail.
    vol = _blob_volume()
    truth = torch.as_tensor(random_rotations(24, np.random.default_rng(1))).float()
    shown = truth.transpose(1, 2) if transposed else truth
    images = project(vol, shown.double()).float()
    start = torch.as_tensor(rotations_by_angle(24, 25.0, np.random.default_rng(2))).float() @ truth
    r = refine_poses(GridVolume.from_map(vol), images, None, start, truth, kmax=4.0, steps=60, lr=0.03)
    median = float(r["errors_deg"].median())
    if transposed:
        assert median > 15.0, median
    else:
        assert median < 3.0, median


def test_diagnose_smoke_run_writes_metrics_and_resumes(tmp_path, capsys):
    out = tmp_path / "diag"
    args = ["diagnose", "--smoke", "--no-progress", "--threads", "1", "--out", str(out)]
    assert main(args) == 0
    doc = json.loads((out / "metrics.json").read_text())
    m = doc["metrics"]
    assert m["refine_near.start_median_deg"] == pytest.approx(25.0, abs=1e-3)
    assert m["refine_near.median_deg"] < 12.0 and m["refine_near.reached_fraction"] > 0.5
    assert m["refine_random.start_median_deg"] > 90.0
    assert m["refine_random.reached_fraction"] < m["refine_near.reached_fraction"]
    assert 12.0 <= m["known_poses.fsc_resolution_0143"] < 60.0
    assert (out / "known_poses.mrc").exists()
    for enc in ("cnn", "cnn_symloss", "d4"):
        assert 0.0 <= m[f"amortized.median_deg.{enc}"] <= 180.0
        assert m[f"amortized.converged_fraction.{enc}"] in (0.0, 1.0)
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("units/*/result.json")}
    assert len(stamps) == 6
    capsys.readouterr()
    assert main(args) == 0
    assert {p: p.stat().st_mtime_ns for p in out.glob("units/*/result.json")} == stamps
    assert json.loads((out / "metrics.json").read_text())["metrics"] == m
    from cryo_equi.experiments._table import tables

    table = tables(out / "metrics.json")
    assert "| per-image refinement through the true map, random start |" in table
    assert "| D4 encoder trained against the true map (held fixed) |" in table


def test_diagnose_trains_only_the_named_encoders_for_the_given_epochs(tmp_path, capsys):
    out = tmp_path / "diag"
    args = ["diagnose", "--smoke", "--no-progress", "--threads", "1", "--out", str(out)]
    assert main([*args, "--encoders", "d4", "--amortized-epochs", "2"]) == 0
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["config"]["refine"]["amortized_epochs"] == 2
    assert [k for k in doc["per_seed"] if k.startswith("amortized.median")] == ["amortized.median_deg.d4"]
    unit = json.loads((out / "units" / "amortized-d4-seed0" / "result.json").read_text())
    assert len(unit["result"]["median_deg_per_epoch"]) == 2
