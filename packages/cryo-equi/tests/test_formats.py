import dataclasses

import numpy as np
import pytest
from cryo_equi import (
    Optics,
    Particles,
    SimConfig,
    read_dataset,
    read_map,
    read_mrc,
    read_star,
    simulate,
    write_dataset,
    write_mrc,
    write_star,
)


def _particles(n=3, box=16):
    rng = np.random.default_rng(0)
    return Particles(
        optics=Optics(voltage_kv=200.0, cs_mm=2.0, amplitude_contrast=0.07, pixel_size=1.3, box=box),
        rot=rng.uniform(-180, 180, n),
        tilt=rng.uniform(0, 180, n),
        psi=rng.uniform(-180, 180, n),
        origin_x=rng.normal(0, 2, n),
        origin_y=rng.normal(0, 2, n),
        defocus_u=rng.uniform(1e4, 2e4, n),
        defocus_v=rng.uniform(1e4, 2e4, n),
        defocus_angle=rng.uniform(0, 180, n),
        bfactor=np.zeros(n),
        image_names=tuple(f"{i + 1:06d}@p.mrcs" for i in range(n)),
    )


def test_mrc_round_trip_keeps_data_and_voxel_size(tmp_path):
    vol = np.random.default_rng(0).normal(size=(8, 8, 8)).astype(np.float32)
    write_mrc(tmp_path / "m.mrc", vol, 1.75)
    back, px = read_map(tmp_path / "m.mrc")
    assert np.array_equal(back, vol) and px == pytest.approx(1.75)
    stack = vol[:3]
    write_mrc(tmp_path / "s.mrcs", stack, 2.0)
    back, px = read_mrc(tmp_path / "s.mrcs")
    assert np.array_equal(back, stack) and px == pytest.approx(2.0)


def test_corrupt_mrc_and_non_cubic_map_are_refused(tmp_path):
    (tmp_path / "bad.mrc").write_bytes(b"not an mrc file" * 100)
    with pytest.raises(ValueError, match="bad.mrc is not a valid MRC file"):
        read_mrc(tmp_path / "bad.mrc")
    write_mrc(tmp_path / "flat.mrc", np.zeros((4, 8, 8), np.float32), 1.0)
    with pytest.raises(ValueError, match=r"must be a cube, got shape \(4, 8, 8\)"):
        read_map(tmp_path / "flat.mrc")


def test_star_round_trip_in_relion31_layout(tmp_path):
    p = _particles()
    write_star(tmp_path / "p.star", p)
    text = (tmp_path / "p.star").read_text()
    assert "data_optics" in text and "data_particles" in text and "_rlnOriginXAngst" in text
    back = read_star(tmp_path / "p.star", box=16)
    assert back.optics == p.optics and back.image_names == p.image_names
    for f in ("rot", "tilt", "psi", "origin_x", "origin_y", "defocus_u", "defocus_v", "defocus_angle"):
        assert np.allclose(getattr(back, f), getattr(p, f), atol=1e-5), f


def test_star_with_missing_column_or_wrong_box_is_refused(tmp_path):
    import starfile

    write_star(tmp_path / "p.star", _particles())
    with pytest.raises(ValueError, match="_rlnImageSize is 16 but the image stack is 32 x 32"):
        read_star(tmp_path / "p.star", box=32)
    blocks = starfile.read(tmp_path / "p.star", always_dict=True)
    blocks["particles"] = blocks["particles"].drop(columns=["rlnAngleTilt"])
    starfile.write(blocks, tmp_path / "q.star", overwrite=True)
    with pytest.raises(ValueError, match="data_particles lacks column.*_rlnAngleTilt"):
        read_star(tmp_path / "q.star")
    starfile.write({"particles": blocks["particles"]}, tmp_path / "old.star", overwrite=True)
    with pytest.raises(ValueError, match="needs data_optics and data_particles"):
        read_star(tmp_path / "old.star")


def test_simulated_dataset_round_trip_and_stack_mismatch(tmp_path):
    vol = np.zeros((16, 16, 16), np.float32)
    vol[6:10, 7:9, 5:11] = 1.0
    data = simulate(vol, Optics(box=16, pixel_size=2.0), SimConfig(n_particles=5, snr=2.0, shift_std=1.0), seed=3)
    _, star = write_dataset(tmp_path, data)
    images, parts = read_dataset(star)
    assert np.array_equal(images, data.images)
    assert np.allclose(parts.origin_x, -data.shifts[:, 0] * 2.0, atol=1e-5)
    write_mrc(tmp_path / "particles.mrcs", np.zeros((5, 12, 12), np.float32), 2.0)
    with pytest.raises(ValueError, match="holds 12 x 12 images but .* says _rlnImageSize 16"):
        read_dataset(star)


def test_noise_level_matches_the_snr_definition():
    vol = np.zeros((16, 16, 16), np.float32)
    vol[5:11, 6:10, 4:12] = 1.0
    clean = simulate(vol, Optics(box=16), SimConfig(n_particles=200, snr=1e9), seed=0)
    noisy = simulate(vol, Optics(box=16), SimConfig(n_particles=200, snr=0.5), seed=0)
    from cryo_equi import disc_mask

    mask = disc_mask(16, 0.45 * 16).numpy()
    sig_var = clean.images[:, mask].var(axis=1).mean()
    assert noisy.noise_std**2 == pytest.approx(sig_var / 0.5, rel=1e-3)
    assert dataclasses.asdict(SimConfig())["snr"] == 0.1


def _two_groups(n=6, box=16):
    p = _particles(n, box)
    g2 = Optics(voltage_kv=300.0, cs_mm=2.7, amplitude_contrast=0.1, pixel_size=1.3, box=box)
    groups = np.array([1, 2, 2, 1, 2, 1])[:n]
    return dataclasses.replace(
        p, optics_groups=groups, group_optics=((1, p.optics), (2, g2)), bfactor=np.linspace(0, 50, n)
    )


def test_star_with_several_optics_groups_round_trips_and_each_particle_keeps_its_ctf(tmp_path):
    import torch
    from cryo_equi import ctf_2d

    p = _two_groups()
    write_star(tmp_path / "p.star", p)
    back = read_star(tmp_path / "p.star", box=16)
    assert back.groups() == p.groups() and np.array_equal(back.group_of(), p.group_of())
    ctf = back.ctf()
    for i in range(len(p)):
        o = p.groups()[int(p.group_of()[i])]
        args = (torch.tensor([v]) for v in (p.defocus_u[i], p.defocus_v[i], p.defocus_angle[i]))
        want = ctf_2d(o, *args, float(p.bfactor[i]))[0]
        assert torch.allclose(ctf[i], want, atol=1e-5), i
    # the two groups' optics differ, so their CTFs do
    assert not torch.allclose(
        ctf_2d(p.groups()[1], *(torch.tensor([1e4]),) * 2, torch.tensor([0.0])),
        ctf_2d(p.groups()[2], *(torch.tensor([1e4]),) * 2, torch.tensor([0.0])),
    )
    one = read_star(tmp_path / "p.star", optics_group=2)
    assert len(one) == 3 and set(one.group_of()) == {2} and one.optics.voltage_kv == 300.0
    with pytest.raises(ValueError, match="has no optics group 3"):
        read_star(tmp_path / "p.star", optics_group=3)


def test_optics_groups_on_different_grids_or_undefined_groups_are_refused(tmp_path):
    import starfile

    write_star(tmp_path / "p.star", _two_groups())
    blocks = starfile.read(tmp_path / "p.star", always_dict=True)
    blocks["optics"].loc[1, "rlnImagePixelSize"] = 2.6
    starfile.write(blocks, tmp_path / "q.star", overwrite=True)
    with pytest.raises(ValueError, match=r"differ in box or pixel size \(group 1: 16 px at 1.3 A, group 2: 16 px"):
        read_star(tmp_path / "q.star")
    assert read_star(tmp_path / "q.star", optics_group=2).optics.pixel_size == 2.6
    blocks = starfile.read(tmp_path / "p.star", always_dict=True)
    blocks["particles"].loc[0, "rlnOpticsGroup"] = 7
    starfile.write(blocks, tmp_path / "r.star", overwrite=True)
    with pytest.raises(ValueError, match=r"refer to optics group\(s\) \[7\] not defined"):
        read_star(tmp_path / "r.star")


def test_dataset_spread_over_several_stacks_is_read_in_star_order(tmp_path):
    vol = np.zeros((16, 16, 16), np.float32)
    vol[6:10, 7:9, 5:11] = 1.0
    data = simulate(vol, Optics(box=16, pixel_size=2.0), SimConfig(n_particles=6, snr=2.0), seed=3)
    (tmp_path / "Extract").mkdir()
    write_mrc(tmp_path / "Extract" / "mic1.mrcs", data.images[[4, 0, 2]], 2.0)
    write_mrc(tmp_path / "Extract" / "mic2.mrcs", data.images[[1, 5, 3]], 2.0)
    where = {
        4: "1@Extract/mic1.mrcs",
        0: "2@Extract/mic1.mrcs",
        2: "3@Extract/mic1.mrcs",
        1: "1@Extract/mic2.mrcs",
        5: "2@Extract/mic2.mrcs",
        3: "3@Extract/mic2.mrcs",
    }
    parts = dataclasses.replace(data.particles, image_names=tuple(where[i] for i in range(6)))
    write_star(tmp_path / "p.star", parts)
    images, back = read_dataset(tmp_path / "p.star")
    assert np.array_equal(images, data.images) and back.image_names == parts.image_names
    bad = dataclasses.replace(parts, image_names=(*parts.image_names[:5], "4@Extract/mic2.mrcs"))
    write_star(tmp_path / "bad.star", bad)
    with pytest.raises(ValueError, match="names image 4 of Extract/mic2.mrcs, which holds 3"):
        read_dataset(tmp_path / "bad.star")
