"""cryo-equi: equivariant amortized inference of poses for cryo-EM (de Ruijter & Cesa, GEM @ ICLR 2024).

A cryoAI-style reconstruction (encoder -> pose and shift, implicit Fourier-space volume, CTF and shift in the
forward model) with a D4-equivariant encoder, and the cryo-EM plumbing around it: MRC maps and stacks, RELION 3.1
particle STAR files, atomic models to density maps, Fourier-slice projection, the RELION CTF, simulation at a
defined SNR, pose error after alignment over both hands, and FSC. Conventions: :mod:`cryo_equi._geometry`.
"""

from ._ctf import Optics, ctf_2d, electron_wavelength, frequencies_2d
from ._decoder import FourierVolume
from ._density import atoms_to_density, default_structure, read_atoms, structure_radius
from ._encoders import CNNEncoder, D4Encoder, build_encoder, prepare_images
from ._geometry import (
    d4_image_matrix,
    d4_pose_matrix,
    euler_to_matrix,
    matrix_to_euler,
    random_rotations,
    transform_image,
)
from ._metrics import PoseAlignment, align_poses, best_shift_alignment, convergence, fsc, fsc_resolution
from ._mrc import read_map, read_mrc, write_mrc
from ._projection import fft_centered, ifft_centered, project, shift_images, slice_coordinates
from ._reconstructor import Reconstructor, lowpass, render
from ._simulate import SimConfig, SimulatedData, apply_ctf_and_shift, disc_mask, read_dataset, simulate, write_dataset
from ._star import Particles, read_star, write_star

__version__ = "0.1.0"

__all__ = [
    "CNNEncoder",
    "D4Encoder",
    "FourierVolume",
    "Optics",
    "Particles",
    "PoseAlignment",
    "Reconstructor",
    "SimConfig",
    "SimulatedData",
    "align_poses",
    "apply_ctf_and_shift",
    "atoms_to_density",
    "best_shift_alignment",
    "build_encoder",
    "convergence",
    "ctf_2d",
    "d4_image_matrix",
    "d4_pose_matrix",
    "default_structure",
    "disc_mask",
    "electron_wavelength",
    "euler_to_matrix",
    "fft_centered",
    "frequencies_2d",
    "fsc",
    "fsc_resolution",
    "ifft_centered",
    "lowpass",
    "matrix_to_euler",
    "prepare_images",
    "project",
    "random_rotations",
    "read_atoms",
    "read_dataset",
    "read_map",
    "read_mrc",
    "read_star",
    "render",
    "shift_images",
    "simulate",
    "slice_coordinates",
    "structure_radius",
    "transform_image",
    "write_dataset",
    "write_mrc",
    "write_star",
]
