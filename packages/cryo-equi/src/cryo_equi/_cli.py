"""``cryo-equi`` command line: ``simulate``, ``reproduce``, ``bench`` (torch-free until the arguments are checked)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from equi_runs import (
    RunError,
    RunFolder,
    add_run_options,
    apply_threads,
    check_unique,
    cli_main,
    make_parser,
    nonnegative_int,
    positive_float,
    positive_int,
    prepare_out,
)

from ._names import ENCODERS

DESCRIPTION = """\
cryo-equi: equivariant amortized pose inference for cryo-EM (de Ruijter & Cesa 2024), cryoAI-style reconstruction.

  cryo-equi simulate --out DIR [--structure PDB|CIF | --map MRC]   particles.mrcs + particles.star (RELION 3.1)
  cryo-equi reproduce --quick --out DIR                            CNN, CNN + symmetric loss, D4 encoder
  cryo-equi diagnose --quick --out DIR                             pose refinement through the true map,
                                                                   decoder trained with the true poses
  cryo-equi bench --out DIR                                        encoder / decoder time per batch

The default structure (adenylate kinase, PDB 4AKE) needs the data extra: pip install 'cryo-equi[data]'.
"""


def _parser() -> argparse.ArgumentParser:
    p = make_parser("cryo-equi", DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("simulate", help="simulate a particle stack and its STAR file from a structure or a map")
    s.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    src = s.add_mutually_exclusive_group()
    src.add_argument("--structure", type=Path, metavar="PATH", help="PDB or mmCIF model (default: adenylate kinase)")
    src.add_argument("--map", type=Path, metavar="PATH", help="a cubic MRC density map (its voxel size is used)")
    s.add_argument("--box", type=positive_int, default=64, metavar="N", help="image size in pixels (default: 64)")
    s.add_argument("--pixel-size", type=positive_float, default=1.5, metavar="A", help="A per pixel (default: 1.5)")
    s.add_argument("--resolution", type=positive_float, default=4.0, metavar="A", help="map resolution (default: 4)")
    s.add_argument("--particles", type=positive_int, default=1000, metavar="N", help="images (default: 1000)")
    s.add_argument("--snr", type=positive_float, default=0.1, help="signal/noise variance in the mask (default: 0.1)")
    s.add_argument("--defocus-min", type=positive_float, default=10000.0, metavar="A", help="(default: 10000)")
    s.add_argument("--defocus-max", type=positive_float, default=25000.0, metavar="A", help="(default: 25000)")
    s.add_argument("--bfactor", type=float, default=0.0, metavar="A2", help="CTF B-factor (default: 0)")
    s.add_argument("--shift-std", type=float, default=0.0, metavar="PX", help="shift std in pixels (default: 0)")
    s.add_argument("--no-ctf", action="store_true", help="perfect images (no CTF)")
    s.add_argument("--seed", type=nonnegative_int, default=0, help="seed (default: 0)")

    r = sub.add_parser("reproduce", help="train the encoders on simulated data, write metrics.json and figures")
    add_run_options(r, quick="24 px, 768 particles, 16 epochs, 2 seeds: under 10 minutes on 2 idle CPU cores", seeds=())
    r.add_argument(
        "--encoders",
        nargs="+",
        choices=ENCODERS,
        default=list(ENCODERS),
        metavar="NAME",
        help=f"encoders to train (default: all; choose from {' '.join(ENCODERS)})",
    )
    r.add_argument(
        "--gpu-scale",
        action="store_true",
        help="128 px, 16,384 particles, 40 epochs, 3 seeds: needs a GPU (hours on one; not run by us)",
    )
    r.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)

    g = sub.add_parser(
        "diagnose",
        help="sanity checks on the data of a reproduce run: per-image pose refinement through the true map "
        "(from 25 degrees off and from random starts) and the decoder trained with the true poses",
    )
    add_run_options(
        g, quick="the data and decoder of reproduce --quick (24 px, 768 particles): a few minutes per seed", seeds=(0,)
    )
    g.add_argument(
        "--encoders",
        nargs="+",
        choices=ENCODERS,
        default=list(ENCODERS),
        metavar="NAME",
        help=f"encoders trained against the true map (default: all; choose from {' '.join(ENCODERS)})",
    )
    g.add_argument(
        "--amortized-epochs",
        type=positive_int,
        default=None,
        metavar="N",
        help="epochs of the encoders trained against the true map (default: those of reproduce)",
    )
    g.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)

    b = sub.add_parser("bench", help="encoder and decoder time per batch, D4 vs CNN, symmetric-loss cost")
    add_run_options(b, fresh=False)
    b.add_argument("--repeats", type=positive_int, default=5, metavar="N", help="timed repeats (default: 5)")
    b.add_argument("--box", type=positive_int, default=32, metavar="N", help="image size (default: 32)")
    b.add_argument("--batch", type=positive_int, default=32, metavar="N", help="batch size (default: 32)")
    b.add_argument(
        "--particles", type=positive_int, default=256, metavar="N", help="images in the timed epoch (default: 256)"
    )
    return p


def _simulate(args: argparse.Namespace) -> int:
    out = prepare_out(args.out)
    for path in (args.structure, args.map):
        if path is not None and not path.exists():
            raise RunError(f"{path} does not exist")
    if args.defocus_max < args.defocus_min:
        raise RunError(f"--defocus-max {args.defocus_max} is below --defocus-min {args.defocus_min}")
    apply_threads(None)
    import numpy as np

    from ._ctf import Optics
    from ._density import atoms_to_density, default_structure, read_atoms
    from ._mrc import read_map, write_mrc
    from ._simulate import SimConfig, simulate, write_dataset

    pixel = args.pixel_size
    try:
        if args.map is not None:
            vol, pixel = read_map(args.map)
            if vol.shape[0] != args.box:
                raise RunError(f"--map {args.map} is {vol.shape[0]}^3 but --box is {args.box}")
        else:
            try:
                path = args.structure or default_structure()
            except FileNotFoundError as e:
                raise RunError(str(e)) from None
            xyz, z = read_atoms(path)
            vol = atoms_to_density(xyz, z, args.box, pixel, args.resolution)
    except (ValueError, FileNotFoundError) as e:
        raise RunError(str(e)) from None
    optics = Optics(pixel_size=pixel, box=args.box)
    cfg = SimConfig(
        n_particles=args.particles,
        snr=args.snr,
        defocus_min=args.defocus_min,
        defocus_max=args.defocus_max,
        bfactor=args.bfactor,
        shift_std=args.shift_std,
        ctf=not args.no_ctf,
    )
    data = simulate(np.asarray(vol), optics, cfg, args.seed)
    stack, star = write_dataset(out, data)
    write_mrc(out / "ground_truth.mrc", vol, pixel)
    print(f"wrote {stack}, {star} and {out / 'ground_truth.mrc'} ({args.particles} particles, {args.box} px)")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    check_unique(args.seeds, "--seeds")
    check_unique(args.encoders, "--encoders")
    from .experiments._settings import settings_for

    if args.gpu_scale and (args.quick or args.smoke):
        raise RunError("--gpu-scale and --quick exclude each other")
    s = settings_for(args.quick, args.smoke, args.gpu_scale)
    seeds = args.seeds or ([0] if args.smoke else [0, 1] if args.quick else [0, 1, 2])
    with RunFolder(args.out, package="cryo-equi", module_file=__file__, config=s.config(), fresh=args.fresh) as run:
        from ._density import default_structure

        try:
            default_structure()
        except FileNotFoundError as e:
            raise RunError(str(e)) from None
        apply_threads(args.threads)
        from equi_runs import resolve_device

        device = resolve_device(args.device)
        run.device = device
        from .experiments._reproduce import reproduce

        doc = reproduce(
            run,
            s,
            args.encoders,
            seeds,
            progress=not args.no_progress,
            write_figures=not args.smoke,
            write_maps=not args.smoke,
            timings=not args.smoke,
            device=device,
        )
    m = doc["metrics"]
    for enc in args.encoders:
        print(
            f"{enc:12s} median pose error {m[f'pose_error_deg.median.{enc}']:6.1f} deg   "
            f"FSC 0.143 {m[f'fsc_resolution_0143.{enc}']:5.1f} A   converged {m[f'converged_fraction.{enc}']:.2f}"
        )
    print(f"wrote {args.out / 'metrics.json'}")
    return 0


def _diagnose(args: argparse.Namespace) -> int:
    check_unique(args.seeds, "--seeds")
    check_unique(args.encoders, "--encoders")
    from .experiments._diagnose import diagnose_for

    d = diagnose_for(args.quick, args.smoke, args.amortized_epochs)
    seeds = args.seeds or [0]
    with RunFolder(args.out, package="cryo-equi", module_file=__file__, config=d.config(), fresh=args.fresh) as run:
        from ._density import default_structure

        try:
            default_structure()
        except FileNotFoundError as e:
            raise RunError(str(e)) from None
        apply_threads(args.threads)
        from equi_runs import resolve_device

        run.device = resolve_device(args.device)
        from .experiments._diagnose import diagnose

        doc = diagnose(run, d, seeds, args.encoders, progress=not args.no_progress, figures=not args.smoke)
    m = doc["metrics"]
    thr = m["reached_threshold_deg"]
    for kind in ("near", "random"):
        print(
            f"refine from {kind:6s} start (median {m[f'refine_{kind}.start_median_deg']:5.1f} deg): median error "
            f"{m[f'refine_{kind}.median_deg']:5.1f} deg, {m[f'refine_{kind}.reached_fraction']:.1%} below {thr:g} deg"
        )
    for enc in args.encoders:
        print(
            f"{enc:12s} trained against the true map: median error {m[f'amortized.median_deg.{enc}']:5.1f} deg, "
            f"converged {m[f'amortized.converged_fraction.{enc}']:.2f}"
        )
    print(
        f"decoder trained with the true poses: FSC 0.143 {m['known_poses.fsc_resolution_0143']:.1f} A, "
        f"0.5 {m['known_poses.fsc_resolution_05']:.1f} A (Nyquist {m['nyquist_A']:g} A)"
    )
    print(f"wrote {args.out / 'metrics.json'}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    out = prepare_out(args.out)
    apply_threads(args.threads)
    from equi_runs import resolve_device, write_json_atomic

    device = resolve_device(args.device)
    from .experiments._bench import bench

    res = bench(args.box, args.batch, args.repeats, device, args.particles)
    write_json_atomic(res, out / "bench.json")
    for k, v in res.items():
        if k != "provenance":
            print(f"{k:45s} {v:.4f}" if isinstance(v, float) else f"{k:45s} {v}")
    print(f"wrote {out / 'bench.json'}")
    return 0


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "reproduce":
        return _reproduce(args)
    if args.command == "diagnose":
        return _diagnose(args)
    return _bench(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cryo-equi`` command."""
    return cli_main(_run, None if argv is None else list(argv), prog="cryo-equi")
