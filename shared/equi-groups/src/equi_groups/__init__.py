"""equi-groups: groups, representations, Fourier analysis on groups and equivariance testing.

Small and exact: groups and representations are immutable values; decompositions are computed once and cached.
"""

from ._axial import AxialGroup, inversion_group, mirror_group
from ._clebsch_gordan import cg_decomposition, clebsch_gordan
from ._fourier import FourierBasis, grid
from ._grids3d import fibonacci_sphere, so3_grid, sphere_grid, thomson_so3, thomson_sphere
from ._group import Group, GroupElement
from ._harmonics import MAX_DEGREE, spherical_harmonics, spherical_harmonics_upto, wigner_D
from ._o3 import O3
from ._parse import group_from_str, rep_from_str
from ._permutation import HyperoctahedralGroup, OrthogonalGroup, SymmetricGroup
from ._planar import (
    O2,
    SO2,
    CyclicGroup,
    DihedralGroup,
    PlanarGroup,
    flip_group,
    rotation_matrix,
    trivial_group,
)
from ._polyhedral import PolyhedralGroup
from ._representation import (
    Representation,
    band_limited_regular,
    change_basis,
    decompose,
    direct_sum,
    from_irreps,
    intertwiners,
    irrep,
    quotient,
    regular,
    restrict,
    standard,
    tensor_product,
    trivial,
)
from ._so3 import (
    SO3,
    geodesic_distance,
    matrix_to_quaternion,
    matrix_to_sixd,
    quaternion_to_matrix,
    sixd_to_matrix,
)
from ._spatial import SpatialGroup, rotation_about
from ._sphere_fourier import SphereFourierBasis

__version__ = "0.2.0"

__all__ = [
    "MAX_DEGREE",
    "SO2",
    "SO3",
    "O2",
    "O3",
    "AxialGroup",
    "PolyhedralGroup",
    "SpatialGroup",
    "SphereFourierBasis",
    "fibonacci_sphere",
    "so3_grid",
    "sphere_grid",
    "thomson_so3",
    "thomson_sphere",
    "cg_decomposition",
    "clebsch_gordan",
    "inversion_group",
    "mirror_group",
    "rotation_about",
    "spherical_harmonics",
    "spherical_harmonics_upto",
    "wigner_D",
    "CyclicGroup",
    "DihedralGroup",
    "FourierBasis",
    "Group",
    "GroupElement",
    "HyperoctahedralGroup",
    "OrthogonalGroup",
    "PlanarGroup",
    "Representation",
    "SymmetricGroup",
    "band_limited_regular",
    "change_basis",
    "decompose",
    "direct_sum",
    "flip_group",
    "from_irreps",
    "geodesic_distance",
    "grid",
    "group_from_str",
    "intertwiners",
    "irrep",
    "matrix_to_quaternion",
    "matrix_to_sixd",
    "quaternion_to_matrix",
    "quotient",
    "regular",
    "rep_from_str",
    "restrict",
    "rotation_matrix",
    "sixd_to_matrix",
    "standard",
    "tensor_product",
    "trivial",
    "trivial_group",
]
