"""Point-cloud shapes: a seeded procedural set rotated by a chosen subgroup of O(3), and a reader for ModelNet's
official OFF meshes (the user passes the folder; nothing is downloaded)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from equi_groups import Group

SHAPES = ("ellipsoid", "box", "cylinder", "cone", "torus", "helix", "disk", "dumbbell")


def _surface(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points on one shape of the class ``name``, in its canonical frame (axis ``z``)."""
    t = rng.uniform(0, 2 * math.pi, n)
    w = rng.uniform(0, 1, n)
    if name == "ellipsoid":
        v = rng.standard_normal((n, 3))
        return v / np.linalg.norm(v, axis=1, keepdims=True) * np.array([1.0, 0.7, 0.45])
    if name == "box":
        p = rng.uniform(-1, 1, (n, 3))
        face = rng.integers(0, 3, n)
        p[np.arange(n), face] = rng.choice([-1.0, 1.0], n)
        return p * np.array([1.0, 0.6, 0.35])
    if name == "cylinder":
        return np.stack([np.cos(t), np.sin(t), 2.4 * w - 1.2], 1) * 0.7
    if name == "cone":
        r = np.sqrt(w)
        return np.stack([r * np.cos(t), r * np.sin(t), 1.6 * (1 - r) - 0.8], 1)
    if name == "torus":
        s = rng.uniform(0, 2 * math.pi, n)
        return np.stack([(1 + 0.3 * np.cos(s)) * np.cos(t), (1 + 0.3 * np.cos(s)) * np.sin(t), 0.3 * np.sin(s)], 1)
    if name == "helix":
        return np.stack([0.6 * np.cos(3 * t), 0.6 * np.sin(3 * t), t / math.pi - 1], 1)
    if name == "disk":
        r = np.sqrt(w)
        return np.stack([r * np.cos(t), r * np.sin(t), 0.05 * rng.standard_normal(n)], 1)
    if name == "dumbbell":
        v = rng.standard_normal((n, 3))
        v = 0.4 * v / np.linalg.norm(v, axis=1, keepdims=True)
        v[:, 2] += np.where(w < 0.5, -0.8, 0.8)
        return v
    raise ValueError(f"unknown shape {name!r}; expected one of {', '.join(SHAPES)}")


def make_shapes(
    n_per_class: int, points: int, seed: int, group: Group | None = None, noise: float = 0.02
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded procedural point-cloud classification set: ``n_per_class`` clouds of each of the 8 classes
    (:data:`SHAPES`), ``points`` surface points each, scaled by a random factor in ``[0.8, 1.25]`` per axis,
    jittered by Gaussian ``noise``, then transformed by a random element of ``group`` (a subgroup of O(3),
    sampled by ``group.sample``: Haar for the continuous ones; ``None``: no transformation), centred, max radius
    1. Returns positions ``(M, points, 3)`` float32 and labels ``(M,)`` (class-interleaved order).

    Examples:
        >>> from equi_groups import SO3
        >>> x, y = make_shapes(2, 16, seed=0, group=SO3())
        >>> x.shape, y[:8].tolist()
        ((16, 16, 3), [0, 1, 2, 3, 4, 5, 6, 7])
    """
    if n_per_class < 1 or points < 1:
        raise ValueError(f"n_per_class and points must be positive, got {n_per_class}, {points}")
    if group is not None and group.standard_matrix(group.identity).shape != (3, 3):
        raise ValueError(f"group must act on 3D space (a subgroup of O(3)), got {group}")
    rng = np.random.default_rng(seed)
    m = n_per_class * len(SHAPES)
    elements = group.sample(m, seed=seed + 1) if group is not None else None
    xs, ys = [], []
    for k in range(m):
        c = k % len(SHAPES)
        p = _surface(SHAPES[c], points, rng) * rng.uniform(0.8, 1.25, 3)
        p = p + noise * rng.standard_normal(p.shape)
        if elements is not None:
            p = p @ np.asarray(group.standard_matrix(elements[k]), dtype=float).T
        p = p - p.mean(0)
        xs.append(p / max(np.linalg.norm(p, axis=1).max(), 1e-12))
        ys.append(c)
    return np.stack(xs).astype(np.float32), np.asarray(ys, dtype=np.int64)


def sample_mesh(vertices: np.ndarray, faces: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniformly on the triangles ``faces`` (area-weighted), ``(n, 3)``."""
    tri = np.asarray(vertices, dtype=float)[np.asarray(faces)]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    if not area.sum() > 0:
        raise ValueError("the mesh has no area: every triangle is degenerate")
    pick = rng.choice(len(tri), size=n, p=area / area.sum())
    a, b = rng.uniform(size=(2, n, 1))
    out = (a + b) > 1
    a, b = np.where(out, 1 - a, a), np.where(out, 1 - b, b)
    t = tri[pick]
    return t[:, 0] + a * (t[:, 1] - t[:, 0]) + b * (t[:, 2] - t[:, 0])


def read_off(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Vertices ``(V, 3)`` and triangles ``(T, 3)`` of an ASCII OFF mesh; polygons are fanned into triangles and
    ModelNet's fused header (``OFF490 518 0``) is accepted. Anything malformed raises a one-line ``ValueError``
    naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot read as an ASCII OFF file ({type(e).__name__})") from None
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines or not lines[0].startswith("OFF"):
        raise ValueError(f"{path}: not an OFF file (the first line must start with 'OFF')")
    counts, body = lines[0][3:].split(), lines[1:]
    if not counts:
        if not body:
            raise ValueError(f"{path}: the counts line 'V F E' is missing")
        counts, body = body[0].split(), body[1:]
    try:
        nv, nf = int(counts[0]), int(counts[1])
    except (ValueError, IndexError):
        raise ValueError(f"{path}: bad counts line {' '.join(counts)!r}, expected integers 'V F E'") from None
    if nv < 3 or nf < 1:
        raise ValueError(f"{path}: needs at least 3 vertices and 1 face, got {nv} and {nf}")
    if len(body) < nv + nf:
        raise ValueError(f"{path}: declares {nv} vertices and {nf} faces but has {len(body)} data lines")
    try:
        verts = np.array([[float(v) for v in ln.split()[:3]] for ln in body[:nv]], dtype=float)
    except ValueError:
        raise ValueError(f"{path}: a vertex line is not three numbers") from None
    if verts.shape != (nv, 3) or not np.isfinite(verts).all():
        raise ValueError(f"{path}: the vertices must be {nv} lines of three finite numbers")
    tris: list[list[int]] = []
    for i, ln in enumerate(body[nv : nv + nf]):
        try:
            idx = [int(v) for v in ln.split()]
        except ValueError:
            raise ValueError(f"{path}: face {i} is not a list of integers ({ln!r})") from None
        k, ids = (idx[0], idx[1 : 1 + idx[0]]) if idx else (0, [])
        if k < 3 or len(ids) != k or min(ids) < 0 or max(ids) >= nv:
            raise ValueError(f"{path}: face {i} is malformed ({ln!r}, {nv} vertices)")
        tris += [[ids[0], ids[j], ids[j + 1]] for j in range(1, k - 1)]
    return verts, np.asarray(tris, dtype=np.int64)


def write_off(path: str | os.PathLike, vertices: np.ndarray, faces: np.ndarray) -> None:
    """Write an ASCII OFF mesh (used to test the reader)."""
    lines = ["OFF", f"{len(vertices)} {len(faces)} 0"]
    lines += [" ".join(f"{v:.6g}" for v in row) for row in np.asarray(vertices, dtype=float)]
    lines += [" ".join(str(int(i)) for i in [len(f), *f]) for f in faces]
    Path(path).write_text("\n".join(lines) + "\n", encoding="ascii")


def load_modelnet(
    root: str | os.PathLike, split: str = "train", points: int = 64, seed: int = 0, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """ModelNet-10/40 from the official layout ``root/<class>/<split>/*.off``: seeded surface samples
    ``(M, points, 3)`` (centred, max radius 1, float32), labels and the sorted class names. ``limit``: at most
    that many files per class (sorted by name). Transform them by the group under study yourself."""
    root = Path(root)
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder: pass the unpacked ModelNet10 or ModelNet40 folder")
    classes = sorted(d.name for d in root.iterdir() if (d / split).is_dir())
    if not classes:
        raise FileNotFoundError(f"{root} has no <class>/{split}/ folders: is it the ModelNet root?")
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c, name in enumerate(classes):
        for f in sorted((root / name / split).glob("*.off"))[:limit]:
            v, t = read_off(f)
            p = sample_mesh(v, t, points, rng)
            p = p - p.mean(0)
            xs.append(p / max(np.linalg.norm(p, axis=1).max(), 1e-12))
            ys.append(c)
    if not xs:
        raise FileNotFoundError(f"{root}: no .off files under <class>/{split}/")
    return np.stack(xs).astype(np.float32), np.asarray(ys, dtype=np.int64), classes
