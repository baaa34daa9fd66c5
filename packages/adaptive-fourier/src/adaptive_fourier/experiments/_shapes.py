"""Seeded procedural point clouds (10 classes of parametric surfaces and curves, random anisotropic scaling, noise,
random SO(3) rotation) and a reader for ModelNet's OFF meshes (the files are not downloadable here: the user passes
the folder)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from equi_groups import SO3

__all__ = ["CLASSES", "load_modelnet", "make_shapes", "read_off", "sample_mesh"]

CLASSES = ("sphere", "cube", "cylinder", "cone", "torus", "disk", "helix", "tetrahedron", "dumbbell", "bowl")


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _shape(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    u, w = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    t = 2 * math.pi * u
    if name == "sphere":
        return _unit(rng, n)
    if name == "cube":
        p = rng.uniform(-1, 1, (n, 3))
        ax = rng.integers(0, 3, n)
        p[np.arange(n), ax] = rng.choice([-1.0, 1.0], n)
        return p
    if name == "cylinder":
        return np.stack([np.cos(t), np.sin(t), 2 * w - 1], 1)
    if name == "cone":
        r = np.sqrt(w)
        return np.stack([r * np.cos(t), r * np.sin(t), 1 - 2 * r], 1)
    if name == "torus":
        s = 2 * math.pi * w
        return np.stack([(1 + 0.35 * np.cos(s)) * np.cos(t), (1 + 0.35 * np.cos(s)) * np.sin(t), 0.35 * np.sin(s)], 1)
    if name == "disk":
        r = np.sqrt(w)
        return np.stack([r * np.cos(t), r * np.sin(t), np.zeros(n)], 1)
    if name == "helix":
        s = 3 * t
        return np.stack([np.cos(s), np.sin(s), 2 * u - 1], 1)
    if name == "tetrahedron":
        v = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], float)
        faces = np.array([[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]])
        return sample_mesh(v, faces, n, rng)
    if name == "dumbbell":
        p = 0.5 * _unit(rng, n)
        p[:, 2] += np.where(rng.uniform(size=n) < 0.5, -0.9, 0.9)
        return p
    if name == "bowl":
        p = _unit(rng, n)
        p[:, 2] = -np.abs(p[:, 2])
        return p
    raise ValueError(f"unknown shape {name!r}; expected one of {CLASSES}")


def make_shapes(n_per_class: int, points: int, seed: int, noise: float = 0.02,
                rotate: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``n_per_class`` clouds of every class: positions ``(M, points, 3)`` (centred, max radius 1) and labels.

    Each cloud is scaled by a random factor in ``[0.75, 1.33]`` per axis (before the rotation: anisotropic),
    jittered by Gaussian noise of std ``noise`` and, with ``rotate``, turned by a Haar-random rotation.
    """
    rng = np.random.default_rng(seed)
    rots = SO3().sample(n_per_class * len(CLASSES), seed + 1) if rotate else None
    xs, ys = [], []
    for k in range(n_per_class * len(CLASSES)):
        c = k % len(CLASSES)
        p = _shape(CLASSES[c], points, rng) * rng.uniform(0.75, 1.33, 3)
        p = p + noise * rng.standard_normal(p.shape)
        if rots is not None:
            p = p @ SO3().to_o3(rots[k])[1].T
        p = p - p.mean(0)
        xs.append(p / np.linalg.norm(p, axis=1).max())
        ys.append(c)
    return np.stack(xs).astype(np.float32), np.array(ys, dtype=np.int64)


def sample_mesh(vertices: np.ndarray, faces: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniformly on the triangles (area-weighted)."""
    tri = vertices[faces]  # (T, 3, 3)
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    if not area.sum() > 0:
        raise ValueError("the mesh has no area: all triangles are degenerate")
    idx = rng.choice(len(tri), size=n, p=area / area.sum())
    a, b = rng.uniform(size=(2, n, 1))
    flip = (a + b) > 1
    a, b = np.where(flip, 1 - a, a), np.where(flip, 1 - b, b)
    t = tri[idx]
    return t[:, 0] + a * (t[:, 1] - t[:, 0]) + b * (t[:, 2] - t[:, 0])


def read_off(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Vertices ``(V, 3)`` and triangles ``(T, 3)`` of an OFF file (polygons are fanned into triangles).

    Accepts ModelNet's quirk of a header fused with the counts (``OFF490 518 0``). Raises ``ValueError`` naming
    the file and the problem for anything else malformed.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii", errors="strict")
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot read as an ASCII OFF file ({e.__class__.__name__})") from None
    lines = [ln.split("#")[0].strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines or not lines[0].startswith("OFF"):
        raise ValueError(f"{path}: not an OFF file (the first line must start with 'OFF')")
    head = lines[0][3:].split()
    rest = lines[1:]
    if not head:
        if not rest:
            raise ValueError(f"{path}: missing the counts line 'V F E'")
        head, rest = rest[0].split(), rest[1:]
    try:
        nv, nf = int(head[0]), int(head[1])
    except (ValueError, IndexError):
        raise ValueError(f"{path}: bad counts line {' '.join(head)!r}; expected 'V F E' integers") from None
    if nv < 3 or nf < 1:
        raise ValueError(f"{path}: needs at least 3 vertices and 1 face, got {nv} and {nf}")
    if len(rest) < nv + nf:
        raise ValueError(f"{path}: declares {nv} vertices and {nf} faces but has only {len(rest)} data lines")
    try:
        verts = np.array([[float(v) for v in ln.split()[:3]] for ln in rest[:nv]], dtype=float)
    except ValueError:
        raise ValueError(f"{path}: a vertex line is not three numbers") from None
    if verts.shape != (nv, 3) or not np.isfinite(verts).all():
        raise ValueError(f"{path}: vertices must be {nv} rows of three finite numbers")
    tris = []
    for i, ln in enumerate(rest[nv:nv + nf]):
        try:
            parts = [int(v) for v in ln.split()]
        except ValueError:
            raise ValueError(f"{path}: face {i} is not a list of integers: {ln!r}") from None
        k = parts[0] if parts else 0
        idx = parts[1:1 + k]
        if k < 3 or len(idx) != k or min(idx) < 0 or max(idx) >= nv:
            raise ValueError(f"{path}: face {i} is malformed ({ln!r}; {nv} vertices)")
        tris += [[idx[0], idx[j], idx[j + 1]] for j in range(1, k - 1)]
    return verts, np.array(tris, dtype=np.int64)


def load_modelnet(root: str | os.PathLike, split: str = "train", points: int = 64, seed: int = 0,
                  limit: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """ModelNet10/40 from its official folder layout ``root/<class>/<split>/*.off``.

    Returns positions ``(M, points, 3)`` (surface samples, centred, max radius 1), labels and the class names.
    ``limit``: at most that many files per class. Rotate them yourself (``SO3().sample``) as the paper does.
    """
    root = Path(root)
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder: pass the unpacked ModelNet10 or ModelNet40 folder "
                                "(it holds one folder per class, each with train/ and test/ OFF files)")
    classes = sorted(d.name for d in root.iterdir() if (d / split).is_dir())
    if not classes:
        raise FileNotFoundError(f"{root} has no <class>/{split}/ folders: is it the ModelNet root?")
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c, name in enumerate(classes):
        files = sorted((root / name / split).glob("*.off"))[:limit]
        for f in files:
            v, t = read_off(f)
            p = sample_mesh(v, t, points, rng)
            p = p - p.mean(0)
            xs.append(p / max(np.linalg.norm(p, axis=1).max(), 1e-12))
            ys.append(c)
    if not xs:
        raise FileNotFoundError(f"{root}: no .off files under <class>/{split}/")
    return np.stack(xs).astype(np.float32), np.array(ys, dtype=np.int64), classes
