"""cryo-equi: equivariant amortized inference of poses for cryo-EM (de Ruijter & Cesa, GEM @ ICLR 2024).

A cryoAI-style reconstruction (encoder -> pose and shift, implicit Fourier-space volume, CTF and shift in the
forward model) with a D4-equivariant encoder, and the cryo-EM plumbing around it: MRC maps and stacks, RELION 3.1
particle STAR files, atomic models to density maps, Fourier-slice projection, the RELION CTF, simulation at a
defined SNR, pose error after alignment over both hands, and FSC. Conventions: :mod:`cryo_equi._geometry`.
"""

from __future__ import annotations

from equi_runs import lazy_exports

__version__ = "0.3.0"

# public name -> private module; imported on first access (PEP 562) so that ``cryo-equi`` can check its
# command line before torch is imported
_LAZY: dict[str, str] = {
    "CNNEncoder": "_encoders",
    "D4Encoder": "_encoders",
    "FourierVolume": "_decoder",
    "GridVolume": "_decoder",
    "Optics": "_ctf",
    "Particles": "_star",
    "PoseAlignment": "_metrics",
    "Reconstructor": "_reconstructor",
    "SimConfig": "_simulate",
    "SimulatedData": "_simulate",
    "align_poses": "_metrics",
    "apply_ctf_and_shift": "_simulate",
    "atoms_to_density": "_density",
    "best_shift_alignment": "_metrics",
    "build_encoder": "_encoders",
    "convergence": "_metrics",
    "ctf_2d": "_ctf",
    "d4_image_matrix": "_geometry",
    "d4_pose_matrix": "_geometry",
    "default_structure": "_density",
    "disc_mask": "_simulate",
    "electron_wavelength": "_ctf",
    "euler_to_matrix": "_geometry",
    "fft_centered": "_projection",
    "frequencies_2d": "_ctf",
    "fsc": "_metrics",
    "fsc_resolution": "_metrics",
    "ifft_centered": "_projection",
    "lowpass": "_reconstructor",
    "matrix_to_euler": "_geometry",
    "prepare_images": "_encoders",
    "project": "_projection",
    "random_rotations": "_geometry",
    "read_atoms": "_density",
    "read_dataset": "_simulate",
    "read_map": "_mrc",
    "read_mrc": "_mrc",
    "read_star": "_star",
    "render": "_reconstructor",
    "shift_images": "_projection",
    "simulate": "_simulate",
    "slice_coordinates": "_projection",
    "stack_locations": "_star",
    "structure_radius": "_density",
    "transform_image": "_geometry",
    "write_dataset": "_simulate",
    "write_mrc": "_mrc",
    "write_star": "_star",
}

__all__ = [
    "CNNEncoder",
    "D4Encoder",
    "FourierVolume",
    "GridVolume",
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
    "stack_locations",
    "structure_radius",
    "transform_image",
    "write_dataset",
    "write_mrc",
    "write_star",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
